/*
 * Email addresses by the rules of email-validator 2.2 as pydantic's
 * EmailStr applies them (original.md section 5): no deliverability check.
 */
#ifndef BEE_EMAIL_H
#define BEE_EMAIL_H

#include <stddef.h>

#define EMAIL_MAX 254

/*
 * 0 and the normalised address (surrounding spaces stripped, "Name <a@b>"
 * reduced, domain lower-cased) in out; -1 and the reason in reason.
 */
int email_normalize(const char *in, char *out, size_t outlen, char *reason,
    size_t reasonlen);

#endif
