#!/bin/sh
# SPDX-License-Identifier: MIT
# Stands in for the unit tests when configure found no cmocka, so that make check fails loudly.
echo "FAIL: cmocka was not found at configure time; install libcmocka-dev and re-run configure"
exit 1
