#!/usr/bin/env bash
# Says which Pulumi state backend a pipeline step will use, and stops it early when that backend's
# variables are incomplete (README "State and secrets"). Run before every step that calls pulumi:
#   Pulumi Cloud:  PULUMI_ACCESS_TOKEN (secret)
#   DIY backend:   PULUMI_BACKEND_URL (variable: file://…, s3://…) + PULUMI_CONFIG_PASSPHRASE (secret)
# Prints no secret.
set -euo pipefail
if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    echo "pulumi state: PULUMI_BACKEND_URL is set (DIY backend) but PULUMI_CONFIG_PASSPHRASE is not; add the repository secret PULUMI_CONFIG_PASSPHRASE (the passphrase the stacks were created with)" >&2
    exit 1
  fi
  # Scheme and bucket or path only: a query string can carry credentials.
  echo "pulumi state: DIY backend ${PULUMI_BACKEND_URL%%\?*}, secrets by passphrase"
elif [ -n "${PULUMI_ACCESS_TOKEN:-}" ]; then
  echo "pulumi state: Pulumi Cloud"
else
  echo "pulumi state: neither PULUMI_ACCESS_TOKEN (Pulumi Cloud) nor PULUMI_BACKEND_URL (DIY backend) is set; set one as in README \"State and secrets\"" >&2
  exit 1
fi
