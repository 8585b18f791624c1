# syntax=docker/dockerfile:1
# The cms binary in a small image: built static (pure-Go SQLite, no cgo),
# run as a non-root user, its SQLite database on the /data volume.
#
#   docker build -t healthcms .
#   docker run -p 8080:8080 -v cms-data:/data healthcms
#
# For PostgreSQL see compose.yaml.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first: this layer is cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" -o /out/cms ./cmd/cms \
    && mkdir -p /out/data

# distroless/static: no shell or package manager, but CA certificates
# (webhooks to https targets) and a "nonroot" user (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cms /cms
# The volume's mount point, owned by the user, so a new named volume is
# writable by it.
COPY --from=build --chown=65532:65532 /out/data /data
ENV CMS_DATABASE_URL=sqlite:/data/cms.db \
    CMS_ADDR=:8080 \
    CMS_LOG_FORMAT=json
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
# The image has no curl: the binary checks itself (GET /healthz on CMS_ADDR).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/cms", "healthcheck"]
ENTRYPOINT ["/cms"]
CMD ["serve"]
