# Zonmart: multi-stage build, small non-root runtime image.
#   docker build -t zonmart .
#   docker compose up -d        (app + PostgreSQL, see docker-compose.yml)

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so source changes do not rebuild them.
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY crates crates
COPY migrations migrations
RUN cargo build --release --locked --bin zonmart \
 && strip target/release/zonmart

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/zonmart --create-home zonmart
COPY --from=build /src/target/release/zonmart /usr/local/bin/zonmart
USER zonmart
WORKDIR /var/lib/zonmart
ENV ZONMART_BIND=0.0.0.0:8000 \
    ZONMART_DATABASE_URL=sqlite:///var/lib/zonmart/zonmart.db \
    ZONMART_LOG_FORMAT=json
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=5 \
  CMD curl -fsS http://127.0.0.1:8000/health || exit 1
# SIGTERM: stop accepting, finish requests in flight (up to 30 s), exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/zonmart"]
CMD ["serve"]
