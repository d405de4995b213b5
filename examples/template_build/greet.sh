#!/bin/sh
# A small tool the template installs: greet [name]
echo "Hello, ${1:-${GREETING_NAME:-world}}! (from the template's tool)"
