# docker-machine-driver-xhyve and xhinv: plain Makefile, objects in build/.
#
#   make            build both programs
#   make check      install missing packages, build with -Werror, run every test
#   make check-unit build and run the unit tests only (no root, no network)
#   make demo       install missing packages, build, run the main job in a netns
#   make bench      benchmarks (medians and ratios, side by side)
#   make fuzz       run every fuzz target for FUZZ_SECONDS each (longer by hand)
#   make macos      compile and link both programs for macOS (x86_64, arm64)
#   make install    PREFIX=/usr/local DESTDIR=
#
# pkg-config supplies every library flag. `check`, `demo` and `bench` run
# scripts/install-deps first and then re-enter make, so a fresh machine works.

.DELETE_ON_ERROR:

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DESTDIR ?=
CC ?= cc
FUZZCC ?= clang
PKG_CONFIG ?= pkg-config
# CPPFLAGS, CFLAGS and LDFLAGS are the builder's (a distribution's
# hardening flags among them); -Werror is for `make check` and CI, not for
# someone building with a newer compiler than ours.
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
WERROR ?=
FUZZ_SECONDS ?= 10

PKGS := sqlite3 libcurl jansson uuid libarchive libguestfs
B := build

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wno-format-nonliteral -Wundef \
	-Wno-unused-parameter -Wvla
XCFLAGS := -std=c11 -D_GNU_SOURCE -Isrc/lib -Iplugin -I$(B) $(WARN) $(WERROR) \
	-MMD -MP

# Goals that only recurse after `deps` has installed pkg-config's inputs.
NOPKG_GOALS := check demo bench deps clean
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(NOPKG_GOALS),$(MAKECMDGOALS)),)
SKIP_PKG := 1
endif
endif
ifndef SKIP_PKG
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
endif
# libarchive, libcurl and libguestfs are compiled against but not linked:
# libarchive.c, libcurl.c and libguestfs.c load them on first use (linked,
# the first two add 5 and 12 ms and 3 and 6 MB to every process start).
LINK_LIBS := $(filter-out -larchive -lcurl -lguestfs,$(PKG_LIBS))
# sqlite3, jansson and libuuid are linked in from their -dev packages'
# archives when those are there: a process then loads libc alone at start
# (loading the three cost every plugin start and every xhinv command about
# 1.5 ms, a third of a process start here; make bench). SHARED_LIBS=1
# links them as shared libraries (a distribution's choice: then an SQLite
# security update needs no rebuild of ours).
STATIC_LINK := sqlite3 jansson uuid
ifeq ($(SHARED_LIBS),)
ifeq ($(strip $(foreach l,$(STATIC_LINK),$(if $(wildcard $(shell $(CC) -print-file-name=lib$(l).a)),,x))),)
LINK_LIBS := -Wl,-Bstatic $(addprefix -l,$(STATIC_LINK)) -Wl,-Bdynamic -lm
endif
endif
LIBS := $(LINK_LIBS) -ldl -lpthread

# Platform files: *_linux.c on Linux, *_darwin.c on macOS; the rest is shared.
UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Darwin)
PLATFORM_SKIP := %_linux.c
else
PLATFORM_SKIP := %_darwin.c
endif

LIB_SRCS := $(filter-out $(PLATFORM_SKIP),$(sort $(wildcard src/lib/*.c)))
XHINV_SRCS := $(sort $(wildcard src/xhinv/*.c))
PLUGIN_SRCS := $(filter-out plugin/main.c,$(sort $(wildcard plugin/*.c)))
SCHEMA := $(sort $(wildcard schema/*.sql))

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o) $(B)/schema.o
XHINV_OBJS := $(XHINV_SRCS:%.c=$(B)/%.o)
PLUGIN_OBJS := $(PLUGIN_SRCS:%.c=$(B)/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_OBJS := $(patsubst %.c,$(B)/fuzzobj/%.o,$(LIB_SRCS) $(PLUGIN_SRCS))

PROGS := $(B)/xhinv $(B)/docker-machine-driver-xhyve

.PHONY: all check check-unit demo bench fuzz fuzz-build asan-tests tests install uninstall clean deps image \
	macos print-warn
all: $(PROGS)

# Objects depend on the flags they were built with: `make check` after a
# plain `make` rebuilds with -Werror instead of trusting the old objects.
FLAGS_STAMP := $(B)/flags.$(shell printf '%s' '$(CC) $(XCFLAGS) $(CPPFLAGS) $(CFLAGS)' | \
	cksum | cut -d' ' -f1)
$(FLAGS_STAMP):
	@mkdir -p $(@D)
	@rm -f $(B)/flags.*
	@touch $@

$(B)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

# The migrations are compiled into the binaries: nothing is read at run time.
$(B)/schema.c: $(SCHEMA) scripts/embed-schema
	@mkdir -p $(@D)
	scripts/embed-schema $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(B)/schema.o: $(B)/schema.c $(FLAGS_STAMP)
	$(CC) $(XCFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libxhcore.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/libxhplugin.a: $(PLUGIN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/xhinv: $(XHINV_OBJS) $(B)/libxhcore.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(XHINV_OBJS) $(B)/libxhcore.a $(LIBS)

$(B)/docker-machine-driver-xhyve: $(B)/plugin/main.o $(B)/libxhplugin.a $(B)/libxhcore.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libxhplugin.a $(B)/libxhcore.a $(LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libxhplugin.a $(B)/libxhcore.a
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -Itests/unit $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(B)/libxhplugin.a $(B)/libxhcore.a $(LIBS)

# The docker-machine stand-in and the Go baseline server: Go's standard
# library only, built offline.
GO_ENV := GOCACHE=$(CURDIR)/$(B)/go-cache GOPROXY=off GOFLAGS=-mod=mod
$(B)/rpcclient: $(wildcard tests/rpcclient/*.go tests/rpcclient/go.mod)
	@mkdir -p $(@D)
	cd tests/rpcclient && $(GO_ENV) go build -o $(CURDIR)/$@ .

$(B)/gorpcserver: $(wildcard tests/rpcclient/gorpcserver/*.go)
	@mkdir -p $(@D)
	cd tests/rpcclient/gorpcserver && $(GO_ENV) go build -o $(CURDIR)/$@ .

# The unit tests again under AddressSanitizer and UBSan (run by
# tests/integration/t0910-unit-asan.sh).
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
asan-tests:
	$(MAKE) B=$(B)/asan CFLAGS="$(ASAN_CFLAGS)" WERROR=$(WERROR) \
		$(UNIT_SRCS:tests/unit/%.c=$(B)/asan/tests/%)

$(B)/faultd: $(wildcard tests/httpd/*.go tests/httpd/go.mod)
	@mkdir -p $(@D)
	cd tests/httpd && $(GO_ENV) go build -o $(CURDIR)/$@ .

# The guest side of the xhyve test double (tests/xhyve/fake-xhyve).
$(B)/fake-sshd: tests/xhyve/fake-sshd.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -o $@ $<

tests: all $(UNIT_BINS) fuzz-build asan-tests $(B)/rpcclient $(B)/gorpcserver \
	$(B)/faultd $(B)/bench/isobench $(B)/bench/leasebench \
	$(B)/bench/diskbench $(B)/bench/listener $(B)/fake-sshd

# Fuzz targets: clang's libFuzzer with ASan and UBSan, over the same sources.
FUZZFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
$(B)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZCC) $(XCFLAGS) $(PKG_CFLAGS) $(FUZZFLAGS) -c -o $@ $<

$(B)/fuzzobj/schema.o: $(B)/schema.c
	@mkdir -p $(@D)
	$(FUZZCC) $(XCFLAGS) $(FUZZFLAGS) -c -o $@ $<

$(B)/fuzz/libfuzz.a: $(FUZZ_OBJS) $(B)/fuzzobj/schema.o
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzz/libfuzz.a
	@mkdir -p $(@D)
	$(FUZZCC) $(XCFLAGS) $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $< $(B)/fuzz/libfuzz.a $(LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_BINS)

deps:
	scripts/install-deps

check:
	scripts/install-deps
	$(MAKE) WERROR=-Werror tests image
	tests/run

# The unit tests alone: neither root nor a network (nor install-deps).
check-unit: $(UNIT_BINS)
	tests/run $(UNIT_BINS)

demo:
	scripts/install-deps
	$(MAKE) all image
	scripts/demo

# The floor under "plugin start": libc only.
$(B)/bench/listener: bench/listener.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -o $@ $<

$(B)/bench/%: bench/%.c $(B)/libxhcore.a
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(B)/libxhcore.a $(LIBS)

bench:
	scripts/install-deps
	$(MAKE) all image $(B)/rpcclient $(B)/gorpcserver $(B)/faultd $(B)/bench/isobench \
		$(B)/bench/leasebench $(B)/bench/diskbench $(B)/bench/listener
	bench/run

# The boot2docker-compatible test images, built once from Debian packages:
# the small one most tests boot, and the Docker host the docker-machine
# journey needs (it also leaves the matching docker client in build/image/).
# The second waits for the first: they share build/image/debs and kernel/.
image: $(B)/image/xhtest.iso $(B)/image/xhdocker.iso
$(B)/image/xhtest.iso: scripts/mkimage $(wildcard tests/image/*)
	scripts/mkimage $(B)/image
$(B)/image/xhdocker.iso: scripts/mkimage $(wildcard tests/image/* tests/image/docker/*) \
		| $(B)/image/xhtest.iso
	scripts/mkimage --docker $(B)/image

# macOS, cross-compiled with zig (scripts/macos says what it checks); the
# warnings it compiles with are these.
macos:
	scripts/macos
print-warn:
	@echo '$(WARN)'

MANPAGES := man/xhinv.1 man/docker-machine-driver-xhyve.1

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(B)/xhinv $(B)/docker-machine-driver-xhyve $(DESTDIR)$(BINDIR)/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 completions/xhinv.bash $(DESTDIR)$(BASHCOMPDIR)/xhinv
	install -m 0644 completions/_xhinv $(DESTDIR)$(ZSHCOMPDIR)/_xhinv

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/xhinv $(DESTDIR)$(BINDIR)/docker-machine-driver-xhyve
	rm -f $(DESTDIR)$(MANDIR)/man1/xhinv.1 \
		$(DESTDIR)$(MANDIR)/man1/docker-machine-driver-xhyve.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/xhinv $(DESTDIR)$(ZSHCOMPDIR)/_xhinv

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
