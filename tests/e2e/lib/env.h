/*
 * Where the service under test lives and the secret it trusts, read once
 * from the environment that `scripts/dev e2e-up` prints.
 */
#ifndef E2E_ENV_H
#define E2E_ENV_H

const char *env_host(void);
unsigned short env_port(void);
const char *env_secret(void);
const char *env_database_url(void);
/* RABBITMQ_EXCHANGE, or the service's default: bee.customers.events. */
const char *env_exchange(void);

#endif
