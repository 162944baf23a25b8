# Sourced by the scripts that install Debian packages: the one rule for running apt-get.
#
# apt_install PACKAGE...   installs the packages: apt-get as is when running as root, through sudo
#                          otherwise; without sudo, a one-line error that names the packages, status 1.

apt_install() {
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "error: these Debian packages are needed: $* (run as root, or install sudo)" >&2
      return 1
    fi
    as_root=(sudo)
  fi
  echo "installing Debian packages: $*"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}
