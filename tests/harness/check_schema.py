"""Checks JSON files against a JSON Schema (draft 2020-12) with Debian's python3-jsonschema.

Usage: check_schema.py SCHEMA FILE...   Prints each error as `file /pointer message`; exit 1 on any.
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
errors = 0
for path in sys.argv[2:]:
    for e in validator.iter_errors(json.load(open(path))):
        print(path, "/" + "/".join(map(str, e.absolute_path)), e.message[:200])
        errors += 1
print("checked", len(sys.argv) - 2, "files,", errors, "errors")
sys.exit(1 if errors else 0)
