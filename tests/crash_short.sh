#!/usr/bin/env bash
# crash_short.sh - the crash campaign (tests/crash/campaign.sh) cut to 3 trials for `make test`
# (about 30 s): kill -9 rank 0 / another rank / mpirun / everything at random moments, resume,
# arrays identical to the clean run. `make crash-campaign N=20` is the long one.
exec bash "$(dirname "$0")/crash/campaign.sh" -n 3 -k 2 "$@"
