# The image `helm test` runs (values.yaml tests.image, curlimages/curl:8.11.1), stood in for by
# Debian bookworm's curl (7.88): the test pod only runs `curl --fail … --retry-all-errors URL…`.
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["curl"]
