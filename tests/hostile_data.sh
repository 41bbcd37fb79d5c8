#!/usr/bin/env bash
# hostile_data.sh - data files another tool or a hostile user made: what a small file declares is
# believed only within bounds checked before anything is allocated (strings, chunks, PNG sizes);
# virtual and external HDF5 datasets are refused; PNG import does not follow directory links and
# imports each file once; output folders are checked before any work. Every refusal is exit 2
# naming the file and the object at fault, within a small, measured amount of memory.
source "$(dirname "$0")/lib.sh"
T=$(tmpdir)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
S=$SEEDSWEEP
export OMPI_MCA_ess_singleton_isolated=1
MAX_KB=200000   # peak resident memory a refusal may cost (a bomb below costs 300 MB to 1.6 GB when believed)

# bad NAME NEEDLE CMD...: exit 2 within 30 s (137: hung; 139: crashed), stderr contains NEEDLE, peak RSS < MAX_KB
bad() {
    local name=$1 needle=$2; shift 2
    local rc=0
    timeout -s KILL 30 /usr/bin/time -f %M -o rss.txt "$@" >out.txt 2>err.txt </dev/null || rc=$?
    local kb; kb=$(tail -n 1 rss.txt 2>/dev/null)
    if [ "$rc" != 2 ]; then fail "$name: exit $rc, expected 2; stderr: $(head -c 300 err.txt)"; return 1; fi
    if ! grep -qF -- "$needle" err.txt; then fail "$name: stderr does not name '$needle': $(head -c 300 err.txt)"; return 1; fi
    if ! [ "${kb:-0}" -lt "$MAX_KB" ] 2>/dev/null; then fail "$name: peak RSS ${kb:-?} KB (at most $MAX_KB)"; return 1; fi
    pass "$name (${kb} KB)"
}
good() {
    local name=$1; shift
    local rc=0
    timeout -s KILL 60 "$@" >out.txt 2>err.txt </dev/null || rc=$?
    if [ "$rc" = 0 ]; then pass "$name"; else fail "$name: exit $rc: $(head -c 300 err.txt)"; fi
}

"$S" synth fly1 --out ok.h5 --size 16 --count 40 >/dev/null && "$S" synth fly2 --out ok2.h5 --size 16 --count 40 >/dev/null ||
    { fail "fixtures: synth"; finish; }

# ---- HDF5 dataset files from other tools ----
$PY - <<'EOF'
import h5py, numpy as np
src = h5py.File('ok.h5', 'r')
imgs, labs, attrs = src['images'][...], src['labels'][...], dict(src.attrs)
def base(name, images=True, labels=True, libver=None):
    f = h5py.File(name, 'w', libver=libver)
    for k, v in attrs.items(): f.attrs[k] = v
    if images: f.create_dataset('images', data=imgs)
    if labels: f.create_dataset('labels', data=labs)
    return f
# allocation bombs: 18 KB of gzip declaring 40 names of 4 MB, a 1 GB and a 256 MB chunk
with base('bomb-names.h5') as f:
    f.create_dataset('names', shape=(40,), dtype='S4000000', compression='gzip', chunks=(1,))
with base('bomb-names-x.h5') as f:
    f.create_dataset('names', data=np.full(40, b'x' * 100000, dtype='S100000'), compression='gzip', chunks=(1,))
with base('bomb-vlen.h5') as f:
    f.create_dataset('names', data=['x' * 1000000] * 4 + ['n'] * 36, dtype=h5py.string_dtype())
with base('bomb-many-names.h5') as f:
    f.create_dataset('names', shape=(1 << 28,), dtype=h5py.string_dtype(), chunks=(1 << 16,))
with base('bomb-chunk.h5', labels=False) as f:
    f.create_dataset('labels', data=labs, maxshape=(None,), chunks=(1 << 30,), compression='gzip')
with base('bomb-imgchunk.h5', images=False) as f:
    f.create_dataset('images', data=imgs, maxshape=(None, 16, 16, 1), chunks=(1 << 20, 16, 16, 1), compression='gzip')
with base('bomb-class.h5', libver='latest') as f:
    del f.attrs['class_names']
    f.attrs.create('class_names', [b'a' * 1000000, b'b'], dtype='S1000000')
with base('bomb-source.h5', libver='latest') as f:
    f.attrs['source'] = 'y' * 1000000
# virtual and external datasets
lay = h5py.VirtualLayout(shape=imgs.shape, dtype='u1')
lay[...] = h5py.VirtualSource('missing-src.h5', 'images', shape=imgs.shape)
with base('vds-missing.h5', images=False) as f: f.create_virtual_dataset('images', lay, fillvalue=0)
lay = h5py.VirtualLayout(shape=imgs.shape, dtype='u1')
lay[...] = h5py.VirtualSource('.', 'images', shape=imgs.shape)
with base('vds-self.h5', images=False) as f: f.create_virtual_dataset('images', lay, fillvalue=0)
lay = h5py.VirtualLayout(shape=labs.shape, dtype='u1')
lay[...] = h5py.VirtualSource('ok.h5', 'labels', shape=labs.shape)
with base('vds-labels.h5', labels=False) as f: f.create_virtual_dataset('labels', lay, fillvalue=0)
imgs.tofile('ext.raw')
with base('external.h5', images=False) as f:
    f.create_dataset('images', shape=imgs.shape, dtype='u1', external=[('ext.raw', 0, imgs.nbytes)])
with base('external-names.h5') as f:
    open('names.raw', 'wb').write(b'n' * 16 * 40)
    f.create_dataset('names', shape=(40,), dtype='S16', external=[('names.raw', 0, 640)])
# shapes and values
with base('zero-images.h5', images=False, labels=False) as f:
    f.create_dataset('images', shape=(0, 16, 16, 1), dtype='u1'); f.create_dataset('labels', shape=(0,), dtype='u1')
with base('zero-width.h5', images=False) as f: f.create_dataset('images', shape=(40, 16, 0, 1), dtype='u1')
with base('huge-dims.h5', images=False) as f:
    f.create_dataset('images', shape=(1 << 20, 1 << 40, 1 << 40, 1), dtype='u1', chunks=(1, 1, 16, 1))
with base('float-nan.h5', images=False) as f:
    x = imgs.astype('f4'); x[0, 0, 0, 0] = np.nan; x[1, 0, 0, 0] = np.inf; f.create_dataset('images', data=x)
with base('label-range.h5', labels=False) as f:
    l = labs.copy(); l[5] = 7; f.create_dataset('labels', data=l)
with base('control-names.h5') as f:
    f.create_dataset('names', data=np.array([b'a\x1b[31mred\n\t"q"\\ \x7f\xc3\xa9 \xff\xfe\xc3'] * 40, dtype='S40'))
for name, shape in (('thin.h5', (4, 1, 8192, 1)), ('tall.h5', (4, 8192, 1, 4))):
    with base(name, images=False, labels=False) as f:
        f['images'] = np.full(shape, 200, 'u1'); f['labels'] = np.array([0, 1, 0, 1], 'u1')
with base('hardlink.h5') as f:
    f['names'] = f['labels']   # a hard link: /names is the uint8 /labels
# links out of the file, data never written
with base('extlink.h5', images=False) as f: f['images'] = h5py.ExternalLink('ok.h5', '/images')
with base('extlink-fifo.h5', images=False) as f: f['images'] = h5py.ExternalLink('fifo.h5', '/images')
with base('softlink.h5', images=False) as f:
    f['data/pixels'] = imgs; f['images'] = h5py.SoftLink('/data/pixels')
with base('softloop.h5', images=False) as f: f['images'] = h5py.SoftLink('/images')
with base('group-images.h5', images=False) as f: f.create_group('images')
many = (np.arange(4000000) % 2).astype('u1')
with base('unwritten.h5', images=False, labels=False) as f:
    f.create_dataset('images', shape=(4000000, 16, 16, 1), dtype='u1', chunks=(1, 16, 16, 1))
    f.create_dataset('labels', data=many, compression='gzip')
with base('unwritten-contiguous.h5', images=False, labels=False) as f:
    f.create_dataset('images', shape=(4000000, 16, 16, 1), dtype='u1')
    f.create_dataset('labels', data=many, compression='gzip')
with base('unwritten-partly.h5', images=False, labels=False) as f:
    d = f.create_dataset('images', shape=(4000000, 16, 16, 1), dtype='u1', chunks=(1, 16, 16, 1), compression='gzip')
    d[:1000] = 7
    f.create_dataset('labels', data=many, compression='gzip')
EOF
mkfifo fifo.h5
[ -f vds-self.h5 ] || { fail "fixtures: h5py could not write the hostile files"; finish; }
bad "bomb: 40 names of 4 MB in 18 KB of gzip" "'names' declares more names than the 40 images, or names longer than 4096 bytes" "$S" info bomb-names.h5
bad "bomb: 40 names of 100 KB of 'x'" "names longer than 4096 bytes" "$S" info bomb-names-x.h5
bad "bomb: variable-length names of 1 MB" "names longer than 4096 bytes" "$S" info bomb-vlen.h5
bad "bomb: 2^28 names for 40 images" "'names' declares more names than the 40 images" "$S" info bomb-many-names.h5
bad "bomb: labels in one chunk of 1 GB" "bomb-chunk.h5: dataset 'labels' declares chunks of 1073741824 bytes" "$S" info bomb-chunk.h5
bad "bomb: images in one chunk of 256 MB" "dataset 'images' declares chunks of 268435456 bytes" "$S" montage bomb-imgchunk.h5 -o m.png
bad "bomb: a class name of 1 MB" "'class_names' declares more than 256 names or names longer than 256 bytes" "$S" info bomb-class.h5
bad "bomb: a source text of 1 MB" "'source' attribute must be one string of at most 65536 bytes" "$S" info bomb-source.h5
bad "virtual: images from a missing file" "vds-missing.h5: dataset 'images' is a virtual dataset" "$S" info vds-missing.h5
bad "virtual: images that name themselves (no SIGSEGV)" "vds-self.h5: dataset 'images' is a virtual dataset" "$S" info vds-self.h5
bad "virtual: self-reference in montage" "dataset 'images' is a virtual dataset" "$S" montage vds-self.h5 -o m.png
bad "virtual: labels from another file" "dataset 'labels' is a virtual dataset" "$S" info vds-labels.h5
bad "external: images in a raw file" "dataset 'images' is stored in 1 external file (first: 'ext.raw')" "$S" info external.h5
bad "external: names in a raw file" "dataset 'names' is stored in 1 external file" "$S" info external-names.h5
bad "shape: zero images" "holds zero images" "$S" info zero-images.h5
bad "shape: images 0 pixels wide" "declares images of 16 x 0 x 1" "$S" info zero-width.h5
bad "shape: dims whose product overflows 64 bits" "more than the 67108864 bytes an image may have" "$S" info huge-dims.h5
bad "values: float images with NaN and Inf" "'images' must hold uint8 values" "$S" info float-nan.h5
bad "values: a label beyond the class names" "label of image 5 is 7, but there are only 2 class names" "$S" info label-range.h5
bad "layout: /names hard-linked to the uint8 /labels" "'names' must be a 1-D array of strings" "$S" info hardlink.h5
good "names: control characters and UTF-8 in image names are data" "$S" info control-names.h5
good "montage: images 1 pixel high and 8192 wide" "$S" montage thin.h5 -o thin.png
good "montage: images 8192 high, 1 wide, 4 channels" "$S" montage tall.h5 -o tall.png
bad "link: images as an external link to another file" "extlink.h5: 'images' is an external link (to another file)" "$S" info extlink.h5
bad "link: an external link to a FIFO is refused, not opened (no hang)" "extlink-fifo.h5: 'images' is an external link" "$S" info extlink-fifo.h5
good "link: a soft link inside the file is followed" "$S" info softlink.h5
bad "link: a soft link to itself" "softloop.h5: dataset 'images' cannot be opened as a dataset" "$S" info softloop.h5
bad "layout: images as a group" "group-images.h5: dataset 'images' cannot be opened as a dataset" "$S" info group-images.h5
bad "bomb: 1 GB of chunked images never written (21 KB file)" "unwritten.h5: 'images' declares 1024000000 bytes but the file stores 0 bytes" "$S" info unwritten.h5
bad "bomb: 1 GB of contiguous images never written" "'images' declares 1024000000 bytes but the file stores 0 bytes" "$S" info unwritten-contiguous.h5
bad "bomb: 1 GB of gzip images, 1000 of 4000000 written" "'images' declares 1024000000 bytes but the file stores" "$S" info unwritten-partly.h5
printf '[sweep]\nname = t\noutput = res.h5\nseeds = 0-1\ntrain = a\n[datasets]\na = ok2.h5\nb = control-names.h5\n[model]\ninput = 16x16x1\nlayers = conv4 pool flatten dense8 dense2\n[train]\nepochs = 1\nbatch = 8\n' >job.ini
for f in vds-self bomb-names bomb-chunk external; do
    sed "s/control-names.h5/$f.h5/" job.ini >job-$f.ini
done
bad "run: a self-referencing virtual dataset" "vds-self.h5: dataset 'images' is a virtual dataset" "$S" run job-vds-self.ini --quiet --out r.h5
bad "run: a names bomb" "bomb-names.h5: 'names' declares" "$S" run job-bomb-names.ini --quiet --out r.h5
bad "run: a chunk bomb" "bomb-chunk.h5: dataset 'labels' declares chunks" "$S" run job-bomb-chunk.ini --quiet --out r.h5
bad "run: an external dataset" "external.h5: dataset 'images' is stored in 1 external file" "$S" run job-external.ini --quiet --out r.h5

# ---- results files with the same tricks ----
good "results: a sweep over names with control characters" "$S" run job.ini --quiet --out res.h5
good "results: report --format json of those names" sh -c "\"$S\" report res.h5 --format json >report.json"
if $PY -c "import json,sys; d=json.load(open('report.json', encoding='utf-8', errors='strict'))" 2>err.txt; then
    pass "results: the JSON report is valid UTF-8 JSON although the names hold control characters and bytes that are not UTF-8"
else fail "results: report.json is not valid JSON: $(head -c 300 err.txt)"; fi
check "results: ... the names are in it, escaped" grep -qF '"a\u001b[31mred\u000a\u0009\"q\"\\ \u007fé \ufffd\ufffd\ufffd"' report.json
"$S" report res.h5 >report.txt 2>err.txt
check "results: the text report shows them as \\xXX, one line per image" grep -qF 'a\x1b[31mred\x0a\x09"q"\\ \x7fé \xff\xfe\xc3' report.txt
check "results: ... and holds no control character but newlines" sh -c "! LC_ALL=C grep -q \$'[\\x01-\\x09\\x0b-\\x1f\\x7f]' report.txt"
$PY - <<'EOF'
import h5py, shutil
def copy(name):
    shutil.copy('res.h5', name); return h5py.File(name, 'a')
with copy('res-names.h5') as f:
    del f['image_name/a']; f.create_dataset('image_name/a', shape=(40,), dtype='S4000000', compression='gzip', chunks=(1,))
with copy('res-vlen.h5') as f:
    del f['image_name/a']; f.create_dataset('image_name/a', data=['x' * 1000000] * 40, dtype=h5py.string_dtype())
with copy('res-class.h5') as f:
    del f['class']; f.create_dataset('class', shape=(2,), dtype='S40000000', compression='gzip', chunks=(1,))
with copy('res-vds.h5') as f:
    acc = f['accuracy'][...]; del f['accuracy']
    lay = h5py.VirtualLayout(shape=acc.shape, dtype=acc.dtype)
    lay[...] = h5py.VirtualSource('.', 'accuracy', shape=acc.shape)
    f.create_virtual_dataset('accuracy', lay, fillvalue=0)
with copy('res-chunk.h5') as f:
    a = f['labels/a'][...]; del f['labels/a']
    f.create_dataset('labels/a', data=a, maxshape=(None,), chunks=(1 << 30,), compression='gzip')
EOF
bad "results: /image_name/a of 4 MB names" "res-names.h5: damaged results file: /image_name/a is not 40 strings of at most 4096 bytes" "$S" report res-names.h5
bad "results: /image_name/a of 1 MB variable-length names" "/image_name/a is not 40 strings" "$S" report res-vlen.h5
bad "results: /class of 40 MB names" "res-class.h5: damaged results file" "$S" report res-class.h5
bad "results: a self-referencing virtual /accuracy (report)" "res-vds.h5: dataset 'accuracy' is a virtual dataset" "$S" report res-vds.h5
bad "results: a self-referencing virtual /accuracy (info)" "res-vds.h5: dataset 'accuracy' is a virtual dataset" "$S" info res-vds.h5
bad "results: /labels/a in a chunk of 1 GB" "dataset 'labels/a' declares chunks of 1073741824 bytes" "$S" report res-chunk.h5
$PY - <<'EOF'
import h5py, shutil
for name in ('resume-vds.h5', 'resume-extlink.h5'):
    shutil.copy('res.h5', name)
with h5py.File('resume-vds.h5', 'a') as f:
    f['task_status'][1] = 0   # one task left to run: resume opens the file to write into it
    acc = f['accuracy'][...]; del f['accuracy']
    lay = h5py.VirtualLayout(shape=acc.shape, dtype=acc.dtype)
    lay[...] = h5py.VirtualSource('.', 'accuracy', shape=acc.shape)
    f.create_virtual_dataset('accuracy', lay, fillvalue=0)
with h5py.File('resume-extlink.h5', 'a') as f:
    f['task_status'][1] = 0
    del f['accuracy']; f['accuracy'] = h5py.ExternalLink('fifo.h5', '/accuracy')
EOF
bad "resume: into a self-referencing virtual /accuracy (was SIGSEGV)" "resume-vds.h5: dataset 'accuracy' is a virtual dataset" \
    "$S" run job.ini --quiet --out resume-vds.h5
bad "resume: into /accuracy as an external link to a FIFO" "resume-extlink.h5: 'accuracy' is an external link" \
    "$S" run job.ini --quiet --out resume-extlink.h5

# ---- PNG import ----
cat >png.py <<'EOF'
import struct, sys, zlib
def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
def png(path, w, h, color):   # color 0 gray, 2 RGB; all zero pixels
    c = zlib.compressobj(9)
    row = b"\0" * (1 + w * (3 if color == 2 else 1))
    data = b"".join([c.compress(row) for _ in range(h)] + [c.flush()])
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)) +
                           chunk(b"IDAT", data) + chunk(b"IEND", b""))
png(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
EOF
mkdir -p big/a big/b && $PY png.py big/a/huge.png 9000 9000 2 && $PY png.py big/b/1.png 16 16 0
bad "png: a 9000x9000 RGB image (243 MB decoded) is refused from its header" "big/a/huge.png: is 9000x9000 with 3 channels" "$S" import png big --out big.h5
bad "png: ... also with --size" "big/a/huge.png: is 9000x9000" "$S" import png big --out big.h5 --size 16
mkdir -p tall/a tall/b && $PY png.py tall/a/1.png 1 30000 0 && $PY png.py tall/b/1.png 16 16 0
bad "png: resizing 1x30000 to 4000x4000 (a 480 MB step) is refused first" "resizing a 1x30000 image to 4000x4000" "$S" import png tall --out tall.h5 --size 4000
bad "png: --size 8192 with colour exceeds an image's bytes" "--size 8192: 8192x8192 images of 3 channels" "$S" import png tall --out tall.h5 --size 8192 --channels 3
mkdir -p tree/a tree/b && $PY png.py tree/a/1.png 16 16 0 && $PY png.py tree/a/2.png 16 16 0 && $PY png.py tree/b/1.png 16 16 0
ln -s . tree/a/self && ln -s .. tree/a/up && ln -s . tree/b/s1 && ln -s . tree/b/s2 && ln -s ../a tree/b/alias && ln -s a tree/c
ln tree/a/1.png tree/a/hard.png
good "png: links to directories (., .., two loops, another class) are not followed" "$S" import png tree --out tree.h5
n=$($PY -c "import h5py; f=h5py.File('tree.h5','r'); print(len(f['images']), len(f.attrs['class_names']), ','.join(x.decode() for x in f['names'][...]))" 2>&1)
check "png: ... each image once: 3 images, 2 classes (got: $n)" test "$n" = "3 2 a/1.png,a/2.png,b/1.png"
for link in tree/a/self tree/a/up tree/b/s1 tree/b/alias tree/c; do
    check "png: ... says it skipped $link" grep -qF "skipping $link: a link to a directory (directory links are not followed)" err.txt
done
check "png: ... says the hard link was imported once" grep -qF "skipping tree/a/hard.png: the same file as tree/a/1.png" err.txt
ln tree/b/1.png tree/a/other.png
bad "png: one file in two classes is refused, naming both" "tree/b/1.png: the same file as tree/a/other.png, which is in another class" "$S" import png tree --out tree.h5
rm tree/a/other.png
touch "tree/b/$(printf 'x\033[2Jy\nz.txt')"
good "png: a file name with a terminal escape and a newline" "$S" import png tree --out tree.h5
check "png: ... is shown escaped in the warning" grep -qF 'skipping tree/b/x\x1b[2Jy\x0az.txt: not a .png file' err.txt
mkfifo tree/b/pipe.png
good "png: a FIFO named .png is skipped, not read" "$S" import png tree --out tree.h5
check "png: ... and named" grep -qF "skipping tree/b/pipe.png: not a .png file" err.txt

# ---- output folders, checked before any work ----
mkdir -p idx && $PY - <<'EOF'
import struct
def write(name, magic, dims, payload):
    open(name, 'wb').write(struct.pack('>I', magic) + b''.join(struct.pack('>I', d) for d in dims) + bytes(payload))
write('idx/labels', 2049, [4], [0, 1, 0, 1])
write('idx/images', 2051, [4, 2, 2], range(16))
EOF
for cmd in "synth fly1 --size 16 --count 8 --out" "import png tree --out" "import idx idx/images idx/labels --out" "montage ok.h5 -o"; do
    bad "output: $cmd into a missing folder" "no-such-dir/x: cannot create a temporary file in no-such-dir: No such file or directory" \
        $S $cmd no-such-dir/x
    test -e no-such-dir && fail "output: $cmd created the folder"
done
if [ "$(id -u)" = 0 ]; then ro=/sys; else mkdir -p ro && chmod 555 ro && ro=ro; fi
for cmd in "synth fly1 --size 16 --count 8 --out" "import png tree --out" "montage ok.h5 -o"; do
    bad "output: $cmd into a read-only folder ($ro)" "$ro/x.out: cannot create a temporary file in $ro" $S $cmd $ro/x.out
done
bad "output: the limit in synth --count's message is the real one" "--count '3': expected 5 to 10000000" "$S" synth fly1 --count 3 --out x.h5
bad "output: synth refuses what memory cannot hold before starting" "10000000 images of 4096x4096x1 need 167772.2 GB" \
    "$S" synth fly1 --count 10000000 --size 4096 --out x.h5
bad "output: import idx --count's message gives the real limit" "--count '0': expected 1 to 2000000000" \
    "$S" import idx idx/images idx/labels --out x.h5 --count 0
finish
