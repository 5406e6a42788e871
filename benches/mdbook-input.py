#!/usr/bin/env python3
"""Write mdBook's preprocessor input ([context, book], mdBook 0.4's format)
for every note of a corpus folder, one chapter per note.
Usage: benches/mdbook-input.py ROOT > input.json   (ROOT holds notes/ and
notecheck.yaml, as benches/gen-corpus.sh writes them). Then:
  /usr/bin/time -v notecheck mdbook < input.json > /dev/null"""
import json, os, sys

root = os.path.abspath(sys.argv[1])
src = os.path.join(root, "notes")
sections = []
for dirpath, dirs, files in sorted(os.walk(src)):
    dirs.sort()
    for f in sorted(files):
        if not f.endswith(".md"):
            continue
        path = os.path.relpath(os.path.join(dirpath, f), src)
        with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
            content = fh.read()
        sections.append({"Chapter": {
            "name": f[:-3], "content": content, "number": [len(sections) + 1],
            "sub_items": [], "path": path, "source_path": path, "parent_names": []}})
context = {"root": root, "config": {"book": {"src": "notes", "title": "corpus"}},
           "renderer": "html", "mdbook_version": "0.4.40"}
json.dump([context, {"sections": sections, "__non_exhaustive": None}], sys.stdout)
