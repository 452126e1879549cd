# syntax=docker/dockerfile:1
# bee-customers: Debian 12, Debian packages only. Every step is a script
# under scripts/container/ that scripts/dev test-container also runs, in a
# debootstrap root, where no Docker engine is available (docs/operations.md,
# "Container image"). Build: docker build -t bee-customers . (or docker
# compose build)

# --- builder: the -dev packages, kodev build (prod flavor), make tools ---------
FROM debian:12-slim AS builder
# kodev takes the application name from the directory name
WORKDIR /build/bee_customers
COPY scripts/lib.sh scripts/lib.sh
COPY scripts/container/ scripts/container/
RUN scripts/container/apt-install build
COPY . .
RUN scripts/container/build /opt/bee-customers

# --- runtime: kore, the shared libraries, psql, curl ---------------------------
FROM debian:12-slim
COPY scripts/lib.sh /opt/bee-customers/scripts/lib.sh
COPY scripts/container/ /opt/bee-customers/scripts/container/
RUN /opt/bee-customers/scripts/container/apt-install runtime
COPY --from=builder /opt/bee-customers/ /opt/bee-customers/
# user bee (10001), /srv/bee-customers with symlinks into /opt/bee-customers
RUN /opt/bee-customers/scripts/container/install /opt/bee-customers

USER 10001:10001
WORKDIR /srv/bee-customers
# avatars (UPLOAD_DIR=uploads); share one volume between instances
VOLUME ["/srv/bee-customers/uploads"]
EXPOSE 8007
# /ready: 200 while PostgreSQL answers (RabbitMQ and Redis are reported, not required)
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
	CMD ["/opt/bee-customers/scripts/container/healthcheck"]
# -f foreground, -n no chroot, -r no privilege drop: the container already
# runs unprivileged. Kore does not drain on SIGTERM (docs/operations.md).
CMD ["kore", "-fnr", "-c", "conf/bee_customers.conf"]
