# syntax=docker/dockerfile:1
# The doctor in a small image, for CI systems that prefer `docker run`:
#
#   docker build -t ecs-exec-doctor .
#   docker run --rm -v "$PWD:/work" -w /work ecs-exec-doctor lint .
#   docker run --rm -e AWS_REGION -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#     ecs-exec-doctor check CLUSTER TASK
#
# A static musl binary (as the release archives for Linux are) on an empty base with the CA
# certificates only: about the size of the binary. `.ci/run` builds this stage's binary with
# the same cargo command where Docker is unavailable (tests/docker/build_stage.sh).

FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev gcc g++ make cmake perl ca-certificates
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin ecs-exec-doctor && cp target/release/ecs-exec-doctor /ecs-exec-doctor

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /ecs-exec-doctor /ecs-exec-doctor
# Not root; ~/.aws mounted at /home/nonroot/.aws is found through HOME.
USER 65532:65532
ENV HOME=/home/nonroot
ENTRYPOINT ["/ecs-exec-doctor"]
CMD ["--help"]
