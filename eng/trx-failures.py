#!/usr/bin/env python3
"""Prints each failed test of the given TRX files with the first lines of its message: a CI log's tail is often all
that is read, so the reason has to be there next to the name."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
FAILED = {"Failed", "Error", "Timeout", "Aborted"}
MAX_LINES = 4


def main(paths):
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError) as error:
            print(f"  {path}: unreadable TRX ({error})")
            continue
        for result in root.iter(NS + "UnitTestResult"):
            if result.get("outcome") not in FAILED:
                continue
            print(f"  {result.get('testName')}")
            message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
            lines = (message.text or "").strip().splitlines() if message is not None else []
            for line in lines[:MAX_LINES]:
                print(f"      {line[:300]}")
            if len(lines) > MAX_LINES:
                print(f"      ... ({len(lines) - MAX_LINES} more lines)")


if __name__ == "__main__":
    main(sys.argv[1:])
