#!/usr/bin/env python3
"""Validates a `statecraft export --format ftm` file with the followthemoney package.

Every line must be one entity whose schema exists and is not abstract, whose properties all
belong to that schema and hold valid values for their types, with every required property
present, a unique id, and entity references that point at an entity of the file whose schema
fits the property's range. Exits 1 with one line per problem, else prints a count per schema.
Usage: validate.py EXPORT.jsonl [--expect-schema NAME ...]
"""

import json
import sys
from collections import Counter

from followthemoney import model
from followthemoney.exc import InvalidData


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    path, expected = argv[0], []
    rest = argv[1:]
    while rest:
        flag, value, rest = rest[0], rest[1] if len(rest) > 1 else None, rest[2:]
        if flag != "--expect-schema" or value is None:
            print(f"unknown argument {flag!r}", file=sys.stderr)
            return 64
        expected.append(value)

    problems = []
    entities = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = json.loads(line)
            except ValueError as error:
                problems.append(f"{where}: not JSON: {error}")
                continue
            entity_id = data.get("id")
            schema = model.get(data.get("schema", ""))
            if not entity_id:
                problems.append(f"{where}: no id")
                continue
            if entity_id in entities:
                problems.append(f"{where}: id {entity_id} repeats")
            if schema is None or schema.abstract:
                problems.append(f"{where}: {data.get('schema')!r} is not a concrete FtM schema")
                continue
            entities[entity_id] = (where, schema, data)
            properties = data.get("properties", {})
            for name, values in properties.items():
                if name not in schema.properties:
                    problems.append(f"{where}: {schema.name} has no property {name!r}")
                elif not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    problems.append(f"{where}: {name} must be a list of strings")
            for name in schema.required:
                if not properties.get(name):
                    problems.append(f"{where}: {schema.name} lacks required {name!r}")
            try:
                schema.validate(data)
            except InvalidData as error:
                problems.append(f"{where}: {error.errors}")
            try:
                proxy = model.get_proxy(data, cleaned=False)
                proxy.to_dict()
            except Exception as error:  # any failure to load is a problem to report
                problems.append(f"{where}: does not load: {error}")

    for where, schema, data in entities.values():
        for name, values in data.get("properties", {}).items():
            prop = schema.properties.get(name)
            if prop is None or prop.type.name != "entity":
                continue
            for value in values:
                target = entities.get(value)
                if target is None:
                    problems.append(f"{where}: {name} points at {value}, not in the file")
                elif not target[1].is_a(prop.range):
                    problems.append(
                        f"{where}: {name} points at a {target[1].name}, not a {prop.range.name}"
                    )

    counts = Counter(schema.name for _, schema, _ in entities.values())
    for name in expected:
        if counts[name] == 0:
            problems.append(f"{path}: no {name} entity")
    for problem in problems:
        print(problem)
    if problems:
        return 1
    summary = ", ".join(f"{counts[name]} {name}" for name in sorted(counts))
    print(f"{path}: {len(entities)} entities valid ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
