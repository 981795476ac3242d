#!/usr/bin/env bash
# lavapipe, Mesa's software Vulkan driver: a WebGPU adapter without a GPU, for the webgpu tests.
#
#   bash scripts/webgpu/lavapipe.sh check     # exit 0 when a lavapipe that Dawn accepts (Mesa >= 25) is installed
#   bash scripts/webgpu/lavapipe.sh install   # install it (root, Debian 12: from bookworm-backports), then check
#
# Deno's WebGPU (wgpu) works with Debian 12's own Mesa 22.3, but Dawn (bun-webgpu for Bun, the
# `webgpu` package for Node) rejects that lavapipe ("shaderUniform*ArrayDynamicIndexing required")
# and falls back to its null backend, which computes nothing. Mesa 25 from bookworm-backports works
# with both (docs/webgpu.md).
set -euo pipefail

MIN_MAJOR=25

installed_major() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+).*/\1/'
}

check() {
  local major
  major=$(installed_major || true)
  if [ -z "$major" ]; then
    echo "lavapipe: mesa-vulkan-drivers is not installed"
    return 1
  fi
  if [ "$major" -lt "$MIN_MAJOR" ]; then
    echo "lavapipe: mesa-vulkan-drivers $major is older than $MIN_MAJOR (Dawn would fall back to its null backend)"
    return 1
  fi
  echo "lavapipe: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
}

install() {
  if check >/dev/null; then
    check
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "lavapipe: not root, cannot install mesa-vulkan-drivers"
    return 1
  fi
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = "bookworm" ]; then
    local list sources
    list=$(mktemp)
    # The machine's own sources plus bookworm-backports, for this one install only.
    cat /etc/apt/sources.list 2>/dev/null >"$list" || true
    echo "deb http://deb.debian.org/debian bookworm-backports main" >>"$list"
    sources=(-o "Dir::Etc::sourcelist=$list" -o Dir::Etc::sourceparts=/etc/apt/sources.list.d)
    apt-get "${sources[@]}" update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get "${sources[@]}" install -y -qq --no-install-recommends \
      -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  else
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
  check
}

case "${1:-check}" in
check) check ;;
install) install ;;
*)
  echo "usage: $0 check|install" >&2
  exit 2
  ;;
esac
