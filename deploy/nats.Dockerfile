# NATS server with JetStream for statecraft. The server binary is the upstream static build
# (fetched by deploy/build-images.sh), copied in; config from deploy/config/nats*.conf.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
COPY nats-server /usr/local/bin/nats-server
COPY nats.conf nats-cluster.conf /etc/nats/
VOLUME /data
EXPOSE 4222 6222 8222
CMD ["nats-server", "-c", "/etc/nats/nats.conf"]
