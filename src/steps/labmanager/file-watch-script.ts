/**
 * The Manager-side half of file drift: a Python program (python3, EL 8's platform-python or
 * CentOS 7's python 2, whichever the Manager has; nothing to install) that watches files by
 * inotify through ctypes and prints the path of each one created, written, moved, deleted
 * or chmod-ed, one line each, `watching N of M directories` once it is set up and `overflow`
 * when the kernel dropped events. Arguments: the paths.
 *
 * It watches the directories on the way to each path, not the files: an editor's
 * write-and-rename and a file deleted then made again stay seen, and so does a directory
 * made after the start (a user's ~/.ssh). Reads cause no event, so observing is silent;
 * only names among the paths or their directories are printed, so the rest of /etc stays
 * quiet. One read's events are printed once per path.
 */
const WATCHER = String.raw`import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
ATTRIB, CLOSE_WRITE, MOVED_FROM, MOVED_TO, CREATE, DELETE = 0x4, 0x8, 0x40, 0x80, 0x100, 0x200
DELETE_SELF, MOVE_SELF, OVERFLOW, IGNORED, ISDIR, ONLYDIR = 0x400, 0x800, 0x4000, 0x8000, 0x40000000, 0x1000000
MASK = ATTRIB | CLOSE_WRITE | MOVED_FROM | MOVED_TO | CREATE | DELETE | DELETE_SELF | MOVE_SELF | ONLYDIR
if bytes is str:
    enc = dec = lambda s: s
else:
    enc = lambda s: s.encode("utf-8", "surrogateescape")
    dec = lambda b: b.decode("utf-8", "surrogateescape")
def out(lines):
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()
fd = libc.inotify_init1(0o2000000)
if fd < 0:
    sys.stderr.write("inotify_init1: %s\n" % os.strerror(ctypes.get_errno()))
    sys.exit(2)
wanted = set(os.path.normpath(p) for p in sys.argv[1:])
dirs = set()
for p in wanted:
    d = os.path.dirname(p)
    while d not in dirs:
        dirs.add(d)
        if d == "/":
            break
        d = os.path.dirname(d)
wds = {}
def watch(d):
    wd = libc.inotify_add_watch(fd, enc(d), MASK)
    if wd >= 0:
        wds[wd] = d
    elif ctypes.get_errno() not in (errno.ENOENT, errno.ENOTDIR, errno.EACCES):
        sys.stderr.write("inotify_add_watch %s: %s\n" % (d, os.strerror(ctypes.get_errno())))
        sys.exit(2)
for d in sorted(dirs):
    watch(d)
out(["watching %d of %d directories" % (len(wds), len(dirs))])
buf = b""
while True:
    chunk = os.read(fd, 65536)
    if not chunk:
        break
    buf += chunk
    changed = []
    while len(buf) >= 16:
        wd, mask, cookie, size = struct.unpack_from("iIII", buf)
        if len(buf) < 16 + size:
            break
        name = dec(buf[16:16 + size].rstrip(b"\0"))
        buf = buf[16 + size:]
        if mask & OVERFLOW:
            changed.append("overflow")
            continue
        if mask & IGNORED:
            wds.pop(wd, None)
            continue
        parent = wds.get(wd)
        if parent is None or not name:
            continue
        path = os.path.join(parent, name)
        if (path in wanted or path in dirs) and path not in changed:
            changed.append(path)
        if path in dirs and mask & (CREATE | MOVED_TO) and mask & ISDIR:
            # Watched first, then looked into: what was made in it before is printed too.
            watch(path)
            below = sorted(x for x in dirs | wanted if x.startswith(path + "/"))
            for d in below:
                if d in dirs:
                    watch(d)
            for x in below:
                if os.path.lexists(x) and x not in changed:
                    changed.append(x)
    if changed:
        out(changed)
`;

/** Whichever Python the Manager has runs the watcher; none is an error the stream logs. */
const LAUNCH = String.raw`for py in python3 /usr/libexec/platform-python python; do
  if command -v "$py" >/dev/null 2>&1; then exec "$py" -c "$0" "$@"; fi
done
echo "no python on the Manager: files changed by hand are found at the next resync" >&2
exit 127`;

/** The line the watcher prints when the kernel dropped events: every path may have changed. */
export const FILE_WATCH_OVERFLOW = "overflow";

/** The stream's command for these paths (sorted, so the same set is the same command). */
export function fileWatchArgv(paths: Iterable<string>): string[] {
  return ["sh", "-c", LAUNCH, WATCHER, ...[...new Set(paths)].sort()];
}
