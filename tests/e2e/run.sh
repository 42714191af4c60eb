#!/usr/bin/env bash
# Runs end-to-end cases (tests/e2e/cases/NNN_name.sh): all of them, or those selected by number
# (042) or by part of the name (fork). Ends with tests/run.sh's "N passed, N failed" line.
# Usage: tests/e2e/run.sh [SELECTOR...]
exec "$(dirname "$0")/../run.sh" --e2e "$@"
