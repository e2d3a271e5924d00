# syntax=docker/dockerfile:1
# One image for the whole platform: the `crowdcrunch` launcher, whose arguments pick the service
#   crowdcrunch gateway --supergraph /etc/crowdcrunch/supergraph.graphql --listen 0.0.0.0:4000
#   crowdcrunch subgraph orders            (and `--migrate-only` to apply migrations and exit)
# One image keeps every service at the same version and the registry at one artefact; the Helm
# chart sets the command per Deployment.
#   docker build -t crowdcrunch/crowdcrunch:0.1.0 .

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# Cache mounts keep the registry and target directory between builds (incremental rebuilds).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin crowdcrunch \
    && install -D -m 0755 target/release/crowdcrunch /out/crowdcrunch

# distroless/cc: glibc, libgcc, CA certificates and nothing else (no shell, no package manager);
# the :nonroot variant runs as uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/crowdcrunch /usr/local/bin/crowdcrunch
COPY supergraph.graphql /etc/crowdcrunch/supergraph.graphql
USER 65532:65532
EXPOSE 4000 4001 4002 4003 4004 4005
ENTRYPOINT ["/usr/local/bin/crowdcrunch"]
CMD ["gateway", "--supergraph", "/etc/crowdcrunch/supergraph.graphql", "--listen", "0.0.0.0:4000"]
