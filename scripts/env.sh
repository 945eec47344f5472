# Sourced by the scripts in scripts/: puts the project's tools on PATH.
# Usage: source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
QP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QP_ROOT
case ":$PATH:" in *":$QP_ROOT/node_modules/.bin:"*) ;; *) PATH="$QP_ROOT/node_modules/.bin:$PATH" ;; esac
case ":$PATH:" in *":${CARGO_HOME:-$HOME/.cargo}/bin:"*) ;; *) PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" ;; esac
export PATH
# Where the browser tests find Debian's Chromium and its driver.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# trunk: no update check over the network.
export TRUNK_SKIP_VERSION_CHECK=true
