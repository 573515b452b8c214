# The chart's SIP server image (kamailio:5.6.3): Debian bookworm's kamailio package, whose version
# is the tag. The chart passes the arguments; its configs load only modules this package ships.
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends kamailio \
 && rm -rf /var/lib/apt/lists/* \
 && kamailio -v | grep -q '^version: kamailio 5.6.3 '
ENTRYPOINT ["kamailio"]
