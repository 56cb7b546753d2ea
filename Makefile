# cgiauth: build, run and test.  See README.md.
#
#   make            the library, every route, the mock provider, the suites
#   make SANITIZE=1 the same with AddressSanitizer and UBSan (build-san/)
#   make run        development site: devdb, mock provider, lighttpd
#   make test       every Check suite (end-to-end suites start their servers)

CC	?= cc
PKGS	 = libmongoc-1.0 libcjson libcurl openssl
PKGCFLAGS := $(shell pkg-config --cflags $(PKGS) check 2>/dev/null)
PKGLIBS	  := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECKLIBS := $(shell pkg-config --libs check 2>/dev/null)

# make V=1 shows the commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

ifeq ($(SANITIZE),1)
B	 = build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
else
B	 = build
SANFLAGS =
endif

CFLAGS	?= -O2 -g
CFLAGS	+= -DCA_SOURCE_ROOT=\"$(CURDIR)\" -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
	   -Wshadow -Wformat=2 -Wno-format-nonliteral -Ilib $(PKGCFLAGS) $(SANFLAGS)
LDFLAGS	+= -Wl,--as-needed $(SANFLAGS)

LIB_SRC	 = $(wildcard lib/*.c)
LIB_OBJ	 = $(LIB_SRC:%.c=$(B)/%.o)
LIB	 = $(B)/libcgiauth.a
CGI_SRC	 = $(wildcard cgi-bin/*.c)
CGI_BIN	 = $(CGI_SRC:%.c=$(B)/%)
MOCK_SRC = $(wildcard mock-provider/*.c)
MOCK_OBJ = $(MOCK_SRC:%.c=$(B)/%.o)
MOCK_BIN = $(B)/mock-provider/mock-provider
CLI_SRC	 = $(wildcard cli/*.c)
CLI_BIN	 = $(if $(CLI_SRC),$(B)/cli/cgiauth)
SPEC_SUP = $(filter-out spec/test_%.c,$(wildcard spec/*.c))
SPEC_SUP_OBJ = $(SPEC_SUP:%.c=$(B)/%.o)
SPEC_SRC = $(wildcard spec/test_*.c)
SPEC_BIN = $(SPEC_SRC:%.c=$(B)/%)

.PHONY: all deps run test check-style clean
.SECONDARY:
all: $(LIB) $(CGI_BIN) $(MOCK_BIN) $(CLI_BIN) $(SPEC_BIN)

deps:
	@sh scripts/deps.sh

$(B)/%.o: %.c $(wildcard lib/*.h) $(wildcard spec/*.h) $(wildcard mock-provider/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(Q)ar rcs $@ $(LIB_OBJ)

$(B)/cgi-bin/%: $(B)/cgi-bin/%.o $(LIB)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(PKGLIBS)

$(MOCK_BIN): $(MOCK_OBJ) $(LIB)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MOCK_OBJ) $(LIB) $(PKGLIBS)

$(B)/cli/cgiauth: $(CLI_SRC:%.c=$(B)/%.o) $(LIB)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_SRC:%.c=$(B)/%.o) $(LIB) $(PKGLIBS)

$(B)/spec/test_%: $(B)/spec/test_%.o $(SPEC_SUP_OBJ) $(LIB)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(SPEC_SUP_OBJ) $(LIB) $(PKGLIBS) $(CHECKLIBS)

run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh $(B)

# The suites run against the sanitized build: the routes under lighttpd,
# the mock provider and the suites themselves all carry ASan and UBSan.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@sh scripts/check-style.sh
	@sh scripts/test.sh build-san $(SPEC_SRC:spec/%.c=build-san/spec/%)

check-style:
	@sh scripts/check-style.sh

clean:
	rm -rf build build-san
