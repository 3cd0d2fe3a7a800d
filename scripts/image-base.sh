#!/usr/bin/env bash
# Build a Python 3.11 base image from Debian's packages with buildah, for
# machines that cannot pull python:3.11-slim from Docker Hub (this project's
# sandbox reaches only Debian, PyPI, npm and the Go module proxy).
#   scripts/image-base.sh [NAME]     (default localhost/roost-base:bookworm)
# Then: buildah bud --build-arg BASE=localhost/roost-base:bookworm -f deploy/Dockerfile .
set -euo pipefail
name=${1:-localhost/roost-base:bookworm}
store=(--storage-driver "${ROOST_BUILDAH_DRIVER:-vfs}")
if buildah "${store[@]}" inspect --type image "$name" >/dev/null 2>&1; then
  echo "$name exists"; exit 0
fi
ctr=$(buildah "${store[@]}" from scratch)
trap 'buildah "${store[@]}" rm "$ctr" >/dev/null 2>&1 || true' EXIT
root=$(buildah "${store[@]}" mount "$ctr")
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$root" http://deb.debian.org/debian >&2
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
buildah "${store[@]}" config --env LANG=C.UTF-8 --cmd python3 "$ctr"
buildah "${store[@]}" commit --rm "$ctr" "$name" >&2
trap - EXIT
echo "$name"
