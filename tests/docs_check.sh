#!/usr/bin/env bash
# docs_check.sh - the documentation stays true and self-contained: every relative link and #anchor in
# the repository's Markdown resolves; README.md stays a short front door (<= 16 KB); every subcommand's
# --help exits 0 and its usage lines are exactly those in docs/design.md; no build output is tracked;
# nothing points outside the repository or at tracker numbers.
# To update after changing a command or its options: paste the "usage:" lines (up to the first blank
# line) of `build/seedsweep CMD --help` into the ``` block after `<!-- usage: CMD -->` in docs/design.md
# (a new command gets a new "### CMD" section with such a marker and block).
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT

in_git=0
git rev-parse --is-inside-work-tree >/dev/null 2>&1 && in_git=1

# The Markdown files: the tracked ones in a git checkout, else every one outside build folders.
if [ $in_git = 1 ]; then
    git ls-files -- '*.md' >"$T/md"
else
    find . -name '*.md' -not -path './build*' -not -path './.git/*' -not -path './results/*' | sed 's#^\./##' | sort >"$T/md"
fi

# ---- links and anchors ----
if $PY - "$T/md" >"$T/links" 2>&1 <<'EOF'
import os, re, sys
files = [l.strip() for l in open(sys.argv[1]) if l.strip()]

def slug(heading):
    # GitHub's anchors: lower case, drop what is not a letter, digit, space, '-' or '_', spaces to '-'
    h = re.sub(r"<[^>]+>", "", heading).strip().lower()
    h = "".join(c for c in h if c.isalnum() or c in " -_")
    return h.replace(" ", "-")

def strip_code(text):
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.S | re.M)    # fenced blocks
    text = re.sub(r"(?m)^(    |\t).*$", "", text)                             # indented blocks
    return re.sub(r"`[^`\n]*`", "", text)                                      # inline code

anchors = {}
def anchors_of(path):
    if path not in anchors:
        seen, out = {}, set()
        try:
            text = open(path, encoding="utf-8").read()
        except OSError:
            text = ""
        text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.S | re.M)
        for m in re.finditer(r"(?m)^#{1,6}\s+(.*?)\s*#*\s*$", text):
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else f"{s}-{n}")
        anchors[path] = out
    return anchors[path]

bad = 0
count = 0
for f in files:
    text = strip_code(open(f, encoding="utf-8").read())
    for m in re.finditer(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text):
        target = m.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):   # http:, https:, mailto:
            continue
        count += 1
        path, _, anchor = target.partition("#")
        full = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if path and not os.path.exists(full):
            print(f"{f}: link to {target}: no such file")
            bad += 1
        elif anchor and full.endswith(".md") and anchor.lower() not in anchors_of(full):
            print(f"{f}: link to {target}: no heading with anchor #{anchor} in {full}")
            bad += 1
print(f"{count} relative links in {len(files)} files")
sys.exit(1 if bad else 0)
EOF
then pass "docs: every relative link and anchor resolves ($(tail -1 "$T/links"))"
else fail "docs: broken links: $(grep -v 'relative links in' "$T/links" | head -20 | tr '\n' ';')"
fi

# ---- README stays a front door ----
size=$(wc -c <README.md)
if [ "$size" -le 16384 ]; then pass "docs: README.md is $size bytes (<= 16384)"
else fail "docs: README.md is $size bytes, more than 16384: move detail into docs/"
fi

# ---- usage lines: the binary against docs/design.md ----
if [ ! -x "$SEEDSWEEP" ]; then
    fail "docs: $SEEDSWEEP not built"
else
    "$SEEDSWEEP" --help >"$T/top" 2>&1
    check "docs: seedsweep --help exits 0" test $? = 0
    # the commands: lines "  NAME   description" of the top-level help
    sed -n 's/^  \([a-z][a-z0-9_-]*\)  .*/\1/p' "$T/top" >"$T/commands"
    if [ ! -s "$T/commands" ]; then
        fail "docs: seedsweep --help lists no commands"
    fi
    # docs/design.md: the block after each <!-- usage: CMD --> marker
    $PY - docs/design.md "$T" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
names = []
for m in re.finditer(r"<!-- usage: ([a-z][a-z0-9_-]*) -->\s*\n```[^\n]*\n(.*?)\n```", text, re.S):
    names.append(m.group(1))
    open(f"{sys.argv[2]}/doc-{m.group(1)}", "w").write(m.group(2).rstrip() + "\n")
open(f"{sys.argv[2]}/documented", "w").write("".join(n + "\n" for n in names))
EOF
    while read -r cmd; do
        rc=0
        "$SEEDSWEEP" "$cmd" --help >"$T/help-$cmd" 2>&1 || rc=$?
        if [ $rc != 0 ]; then
            fail "docs: seedsweep $cmd --help exits $rc, expected 0"
            continue
        fi
        # usage lines: from the line starting "usage:" to the first blank line
        awk '/^usage:/ {on = 1} on && /^[[:space:]]*$/ {exit} on' "$T/help-$cmd" | sed 's/[[:space:]]*$//' >"$T/usage-$cmd"
        if [ ! -s "$T/usage-$cmd" ]; then
            fail "docs: seedsweep $cmd --help prints no 'usage:' line"
        elif [ ! -f "$T/doc-$cmd" ]; then
            fail "docs: docs/design.md has no '<!-- usage: $cmd -->' block (paste: $(tr '\n' ' ' <"$T/usage-$cmd"))"
        elif sed 's/[[:space:]]*$//' "$T/doc-$cmd" | cmp -s - "$T/usage-$cmd"; then
            pass "docs: seedsweep $cmd --help exits 0, usage matches docs/design.md"
        else
            fail "docs: usage of seedsweep $cmd differs from docs/design.md: $(sed 's/[[:space:]]*$//' "$T/doc-$cmd" | diff - "$T/usage-$cmd" | grep '^[<>]' | tr '\n' ' ')"
        fi
    done <"$T/commands"
    stale=$(grep -vxF -f "$T/commands" "$T/documented" | tr '\n' ' ')
    if [ -z "$stale" ]; then pass "docs: docs/design.md documents no command the binary lacks"
    else fail "docs: docs/design.md has usage blocks for commands seedsweep --help does not list: $stale"
    fi
fi

# ---- tracked files: no build output, nothing outside the repository, no tracker numbers ----
if [ $in_git = 1 ]; then
    tracked=$(git ls-files -- ':(glob)build*/**' | head -5 | tr '\n' ' ')
    if [ -z "$tracked" ]; then pass "docs: nothing under build*/ is tracked"
    else fail "docs: build output is tracked (git rm -r --cached): $tracked"
    fi
    # the patterns are split so that this file does not match itself
    outside=$(git grep -n -I -e '\.\./shar''ed/' -e 'SLURM-NOT''ES' -- . | head -5 | tr '\n' ' ')
    if [ -z "$outside" ]; then pass "docs: nothing points at files outside the repository"
    else fail "docs: references to files outside the repository: $outside"
    fi
    tracker=$(git grep -n -I -i -E '\bissues? #?[0-9]+\b|\(#[0-9]+\)' -- . | head -5 | tr '\n' ' ')
    if [ -z "$tracker" ]; then pass "docs: no tracker numbers in tracked files"
    else fail "docs: tracker numbers (name the behaviour or the doc section instead): $tracker"
    fi
else
    skip "docs: tracked-file checks: not a git checkout"
fi
finish
