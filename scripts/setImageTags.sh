#!/usr/bin/env bash
# Rollback workflow: sets the stable tags given as TAG_WEB, TAG_API, TAG_WORKER, TAG_BAILEYS (blank =
# keep the current one) on stack $STACK, then shows the change to the stack file.
set -euo pipefail
: "${STACK:?set STACK to the stack to roll back}"
for service in web api worker baileys; do
  var="TAG_$(echo "$service" | tr '[:lower:]' '[:upper:]')"
  tag="${!var:-}"
  if [ -n "$tag" ]; then pulumi config set --path "imageTags.$service" "$tag" --stack "$STACK"; fi
done
git diff -- "Pulumi.$STACK.yaml" || true
