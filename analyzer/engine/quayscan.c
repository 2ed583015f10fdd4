/*
 * The line classifier of analyzer/engine/quaylines.py, compiled.
 *
 * quaylines.Classifier.classify tells, for every line of a block of a Quay container log,
 * whether it is an EASY line (a known program prefix and a Python logging body whose level
 * and time are known), a CONT line (a known prefix and a body starting with a blank) or
 * OTHER. It does so with array operations; this file does the same per line, in one pass,
 * and gives exactly the same arrays (a test compares the two on real and generated text).
 * The Python module stays the reference and the fallback where no compiler was available
 * when the package was built.
 *
 * Plain C99 with no Python headers: loaded with ctypes, which releases the GIL during a call.
 * The block is followed by QS_PAD zero bytes, so every read below stays inside the buffer.
 */

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#ifdef _WIN32
#define QS_EXPORT __declspec(dllexport)
#else
#define QS_EXPORT __attribute__((visibility("default")))
#endif

#ifndef QS_SOURCE_HASH
#define QS_SOURCE_HASH "unknown"
#endif

#define QS_ABI 1
#define QS_EASY 0
#define QS_CONT 1
#define QS_OTHER 2
#define QS_LOGGER_SPAN 72 /* bytes after the logger's `[` searched for its `]` */

QS_EXPORT int64_t qs_abi(void) { return QS_ABI; }

/* The SHA-256 of this file's text when it was built, so a stale build is never used. */
QS_EXPORT const char *qs_source_hash(void) { return QS_SOURCE_HASH; }

/*
 * The newlines of buf[0:size] (at most cap offsets stored) and, in the same pass, whether a
 * carriage return occurs (*cr), which the block cutter must know before it hands a block on.
 * Returns the number of newlines.
 */
QS_EXPORT int64_t qs_newlines_cr(const uint8_t *buf, int64_t size, int64_t *ends, int64_t cap,
                                 int32_t *cr) {
    int64_t n = 0, i = 0;
    int has_cr = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n'), ret = _mm_set1_epi8('\r');
    for (; i + 16 <= size; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(buf + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
        has_cr |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, ret)) != 0;
        while (m) {
            if (n < cap) ends[n] = i + __builtin_ctz(m);
            n++;
            m &= m - 1;
        }
    }
#endif
    for (; i < size; i++) {
        if (buf[i] == '\n') {
            if (n < cap) ends[n] = i;
            n++;
        } else if (buf[i] == '\r') {
            has_cr = 1;
        }
    }
    *cr = has_cr;
    return n;
}

/* The number of newlines in buf[0:size] and whether a carriage return occurs (*cr): what the
 * block cutter needs when the worker finds the newlines themselves. */
QS_EXPORT int64_t qs_count_cr(const uint8_t *buf, int64_t size, int32_t *cr) {
    int64_t n = 0, i = 0;
    int has_cr = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n'), ret = _mm_set1_epi8('\r');
    for (; i + 16 <= size; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(buf + i));
        n += __builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)));
        has_cr |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, ret)) != 0;
    }
#endif
    for (; i < size; i++) {
        n += buf[i] == '\n';
        has_cr |= buf[i] == '\r';
    }
    *cr = has_cr;
    return n;
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static int digits(const uint8_t *p, int count) {
    for (int i = 0; i < count; i++)
        if (!is_digit(p[i])) return 0;
    return 1;
}

static int two(const uint8_t *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

/* A line holding a byte the bulk reader leaves to quay_log: non-ASCII, NUL or CR. */
static int dirty(const uint8_t *p, int64_t len) {
    for (int64_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c >= 0x80 || c == 0 || c == '\r') return 1;
    }
    return 0;
}

/* Days since 1970-01-01 of a date, -1 when the date does not exist (as datetime.date judges). */
static int64_t days_of(int64_t y, int64_t m, int64_t d) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1) return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int last = dim[m - 1] + (m == 2 && leap);
    if (d > last) return -1;
    /* the civil-from-days inverse, on a year that starts in March */
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = m > 2 ? m - 3 : m + 9;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * The level word after `] [` at p: its index in DEBUG, INFO, WARNING, ERROR, CRITICAL and the
 * offset of the logger's first byte from p, or -1 when it is none of them.
 */
static int level_at(const uint8_t *p, int64_t *skip) {
    switch (p[0]) {
    case 'D':
        if (memcmp(p, "DEBUG] [", 8) == 0) { *skip = 8; return 0; }
        return -1;
    case 'I':
        if (memcmp(p, "INFO] [", 7) == 0) { *skip = 7; return 1; }
        return -1;
    case 'W':
        if (memcmp(p, "WARNING] [", 10) == 0) { *skip = 10; return 2; }
        return -1;
    case 'E':
        if (memcmp(p, "ERROR] [", 8) == 0) { *skip = 8; return 3; }
        return -1;
    case 'C':
        if (memcmp(p, "CRITICAL] [", 11) == 0) { *skip = 11; return 4; }
        return -1;
    default:
        return -1;
    }
}

/*
 * Classify n lines (ends: their newlines) of buf. keys holds the known prefixes back to back,
 * key k being keys[key_off[k]:key_off[k + 1]]; when several match, the last one wins (as in
 * the array version). The output arrays have n entries and are fully written.
 */
QS_EXPORT void qs_classify(const uint8_t *buf, const int64_t *ends, int64_t n, int32_t clean,
                           const uint8_t *keys, const int64_t *key_off, int64_t nkeys,
                           int64_t *starts, int8_t *cls, int64_t *key, int8_t *level,
                           int64_t *ms, int64_t *body) {
    for (int64_t i = 0; i < n; i++) {
        int64_t s = i ? ends[i - 1] + 1 : 0;
        int64_t e = ends[i];
        starts[i] = s;
        cls[i] = QS_OTHER;
        key[i] = -1;
        level[i] = 0;
        ms[i] = 0;
        body[i] = 0;
        if (nkeys == 0) continue;
        const uint8_t *line = buf + s;
        int64_t len = e - s;
        if (len <= 0 || line[0] >= 0x80) continue;
        int64_t k = nkeys - 1;
        for (; k >= 0; k--) {
            int64_t klen = key_off[k + 1] - key_off[k];
            const uint8_t *kp = keys + key_off[k];
            if (klen <= len && line[0] == kp[0] && memcmp(line, kp, (size_t)klen) == 0) break;
        }
        if (k < 0) continue;
        if (!clean && dirty(line, len)) continue;
        int64_t b = s + key_off[k + 1] - key_off[k];
        key[i] = k;
        body[i] = b;
        if (b >= e) continue; /* nothing after the prefix */
        const uint8_t *p = buf + b;
        if (p[0] == ' ' || p[0] == '\t') {
            cls[i] = QS_CONT;
            continue;
        }
        if (!is_digit(p[0]) || e - b < 34) continue;
        /* `YYYY-MM-DD HH:MM:SS,mmm [pid] [LEVEL] [logger]` */
        if (!(digits(p, 4) && p[4] == '-' && digits(p + 5, 2) && p[7] == '-' && digits(p + 8, 2) &&
              p[10] == ' ' && digits(p + 11, 2) && p[13] == ':' && digits(p + 14, 2) &&
              p[16] == ':' && digits(p + 17, 2) && p[19] == ',' && digits(p + 20, 3) &&
              p[23] == ' ' && p[24] == '['))
            continue;
        int pid_close = -1; /* the first `]` among the 8 bytes from the pid's `[` */
        for (int j = 0; j < 8; j++) {
            if (p[24 + j] == ']') {
                pid_close = j;
                break;
            }
        }
        if (pid_close < 2 || !digits(p + 25, pid_close - 1)) continue;
        const uint8_t *at = p + 24 + pid_close + 1;
        if (at[0] != ' ' || at[1] != '[') continue;
        int64_t skip = 0;
        int lev = level_at(at + 2, &skip);
        if (lev < 0) continue;
        const uint8_t *logger = at + 2 + skip;
        int64_t span = (buf + e) - logger;
        if (span > QS_LOGGER_SPAN) span = QS_LOGGER_SPAN;
        if (span <= 0 || memchr(logger, ']', (size_t)span) == NULL) continue;
        int64_t year = two(p) * 100 + two(p + 2);
        int64_t month = two(p + 5), day = two(p + 8);
        int64_t hour = two(p + 11), minute = two(p + 14), second = two(p + 17);
        int64_t milli = two(p + 20) * 10 + (p[22] - '0');
        if (hour > 23 || minute > 59 || second > 59 || month > 12) continue;
        int64_t days = days_of(year, month, day);
        if (days < 0) continue;
        cls[i] = QS_EASY;
        level[i] = (int8_t)lev;
        ms[i] = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + milli;
    }
}

/* ---- nginx access lines --------------------------------------------------------------- */

/* Python's \s on ASCII text (re, str patterns): the C0 separators 0x1c-0x1f count too. */
static int is_space(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f); }

/* A run of one or more non-blanks from i (`\S+`, whose greedy run no shorter run can replace
 * here, since each is followed by a fixed character); the index after it, or -1. */
static int64_t nonblank(const uint8_t *p, int64_t i, int64_t len) {
    int64_t j = i;
    while (j < len && !is_space(p[j])) j++;
    return j > i ? j : -1;
}

/* `"([^"\\]*(?:\\.[^"\\]*)*)"` from i (the opening quote): the index after the closing quote,
 * or -1. The first unescaped quote closes it; an escape needs a following character. */
static int64_t quoted(const uint8_t *p, int64_t i, int64_t len) {
    if (i >= len || p[i] != '"') return -1;
    for (int64_t j = i + 1; j < len; j++) {
        if (p[j] == '"') return j + 1;
        if (p[j] == '\\') {
            if (j + 1 >= len || p[j + 1] == '\n') return -1;
            j++;
        }
    }
    return -1;
}

/* `(\d+|-)` from i: the index after it, or -1. */
static int64_t count_or_dash(const uint8_t *p, int64_t i, int64_t len) {
    if (i < len && p[i] == '-') return i + 1;
    int64_t j = i;
    while (j < len && is_digit(p[j])) j++;
    return j > i ? j : -1;
}

static int64_t blank_to_end(const uint8_t *p, int64_t i, int64_t len) {
    while (i < len && is_space(p[i])) i++;
    return i == len;
}

/*
 * quay_log._NGINX_ACCESS.match on p[0:len], the body of a line:
 * `(\S+) \(([^)]*)\) - (\S+) \[([^\]]+)\] Q (\d{3}) (\d+|-) Q Q(?: \(([\d.]+|-) (\d+|-) ([^)]*)\))?\s*$`
 * with Q the quoted field. Every part is decided by its first possible end (see above), so
 * one left-to-right pass answers like the regex. Returns 1 and the stamp's bounds (group 4).
 */
static int nginx_access(const uint8_t *p, int64_t len, int64_t *stamp_at, int64_t *stamp_end) {
    int64_t i = nonblank(p, 0, len);
    if (i < 0 || i + 1 >= len || p[i] != ' ' || p[i + 1] != '(') return 0;
    const uint8_t *close = memchr(p + i + 2, ')', (size_t)(len - i - 2));
    if (close == NULL) return 0;
    i = close - p;
    if (i + 3 >= len || memcmp(p + i, ") - ", 4) != 0) return 0;
    i = nonblank(p, i + 4, len);
    if (i < 0 || i + 1 >= len || p[i] != ' ' || p[i + 1] != '[') return 0;
    int64_t at = i + 2;
    const uint8_t *bracket = memchr(p + at, ']', (size_t)(len - at));
    if (bracket == NULL || bracket - p == at) return 0;
    i = bracket - p;
    *stamp_at = at;
    *stamp_end = i;
    if (i + 2 >= len || p[i + 1] != ' ') return 0;
    i = quoted(p, i + 2, len);
    if (i < 0 || i + 5 >= len || p[i] != ' ' || !digits(p + i + 1, 3) || p[i + 4] != ' ') return 0;
    i = count_or_dash(p, i + 5, len);
    if (i < 0 || i >= len || p[i] != ' ') return 0;
    i = quoted(p, i + 1, len);
    if (i < 0 || i >= len || p[i] != ' ') return 0;
    i = quoted(p, i + 1, len);
    if (i < 0) return 0;
    /* the optional timings group, then only blanks to the end */
    if (i + 1 < len && p[i] == ' ' && p[i + 1] == '(') {
        int64_t j = i + 2;
        if (j < len && p[j] == '-') {
            j++;
        } else {
            int64_t k = j;
            while (k < len && (is_digit(p[k]) || p[k] == '.')) k++;
            j = k > j ? k : -1;
        }
        if (j >= 0 && j < len && p[j] == ' ') {
            j = count_or_dash(p, j + 1, len);
            if (j >= 0 && j < len && p[j] == ' ') {
                const uint8_t *end = memchr(p + j + 1, ')', (size_t)(len - j - 1));
                if (end != NULL && blank_to_end(p, end - p + 1, len)) return 1;
            }
        }
    }
    return blank_to_end(p, i, len);
}

static int month_of(const uint8_t *p) {
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    char low[3];
    for (int k = 0; k < 3; k++) {
        uint8_t c = p[k];
        if (c >= 'A' && c <= 'Z') c = (uint8_t)(c + 32);
        if (c < 'a' || c > 'z') return 0;
        low[k] = (char)c;
    }
    for (int m = 0; m < 12; m++)
        if (memcmp(names + 3 * m, low, 3) == 0) return m + 1;
    return 0;
}

/*
 * Milliseconds since the epoch of the usual Common Log Format stamp
 * `DD/Mon/YYYY:HH:MM:SS +hhmm` (one-digit days and a missing zone too), or 0 with *ok = 0
 * when it is anything else (a leap second, an unreadable zone, no such date...): the caller
 * then reads it with logtime.parse_clf.
 */
static int64_t clf_ms(const uint8_t *p, int64_t len, int *ok) {
    *ok = 0;
    int64_t i = 0;
    if (len < 1 || !is_digit(p[0])) return 0;
    int64_t day = p[0] - '0';
    i = 1;
    if (i < len && is_digit(p[i])) day = day * 10 + (p[i++] - '0');
    if (i + 18 > len || p[i] != '/' || p[i + 4] != '/' || !digits(p + i + 5, 4) || p[i + 9] != ':' ||
        !digits(p + i + 10, 2) || p[i + 12] != ':' || !digits(p + i + 13, 2) || p[i + 15] != ':' ||
        !digits(p + i + 16, 2))
        return 0;
    int month = month_of(p + i + 1);
    if (!month) return 0;
    int64_t year = two(p + i + 5) * 100 + two(p + i + 7);
    int64_t hour = two(p + i + 10), minute = two(p + i + 13), second = two(p + i + 16);
    i += 18;
    int64_t offset = 0;
    if (i < len) {
        if (i + 6 != len || p[i] != ' ' || (p[i + 1] != '+' && p[i + 1] != '-') || !digits(p + i + 2, 4))
            return 0;
        int64_t oh = two(p + i + 2), om = two(p + i + 4);
        if (oh > 23 || om > 59) return 0;
        offset = (oh * 60 + om) * 60;
        if (p[i + 1] == '-') offset = -offset;
    }
    /* the first and last years are left to Python: moving them to UTC may leave datetime's range */
    if (hour > 23 || minute > 59 || second > 59 || year < 2 || year > 9998) return 0;
    int64_t days = days_of(year, month, day);
    if (days < 0) return 0;
    *ok = 1;
    return ((((days * 24 + hour) * 60 + minute) * 60 + second) - offset) * 1000;
}

/*
 * The nginx access lines among the OTHER lines of a known program (quayfast._nginx): a body
 * that starts with a digit but not with `dddd-` or `dddd/`, matched as quay_log matches it.
 * state[i]: 0 not one, 1 one whose time is in ms[i] (and cls, level, access are set as for
 * an easy line), 2 one whose stamp the caller must read. Returns the number of 1s and 2s.
 */
QS_EXPORT int64_t qs_nginx(const uint8_t *buf, const int64_t *ends, int64_t n, const int64_t *body,
                           const int64_t *key, int8_t *cls, int8_t *level, int64_t *ms,
                           uint8_t *access, int8_t *state) {
    int64_t found = 0;
    for (int64_t i = 0; i < n; i++) {
        state[i] = 0;
        if (cls[i] != QS_OTHER || key[i] < 0) continue;
        int64_t b = body[i], e = ends[i];
        if (b >= e || !is_digit(buf[b])) continue;
        const uint8_t *p = buf + b;
        int64_t len = e - b;
        if (len >= 5 && digits(p + 1, 3) && (p[4] == '-' || p[4] == '/')) continue;
        int64_t at = 0, end = 0;
        if (!nginx_access(p, len, &at, &end)) continue;
        found++;
        int ok = 0;
        int64_t t = clf_ms(p + at, end - at, &ok);
        if (!ok) {
            state[i] = 2;
            continue;
        }
        state[i] = 1;
        cls[i] = QS_EASY;
        level[i] = 1;
        ms[i] = t;
        access[i] = 1;
    }
    return found;
}

/* 1 when buf[0:size] is printable-ASCII text for the bulk reader: no byte >= 0x80, NUL or CR
 * (what `bytes.isascii()` and the NUL and CR searches of quayfast tell together). */
QS_EXPORT int32_t qs_clean(const uint8_t *buf, int64_t size) {
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    const uint64_t cr = 0x0d0d0d0d0d0d0d0dULL;
    int64_t i = 0;
    /* eight bytes at a time: a high bit, a zero byte or a CR byte anywhere in the word */
    for (; i + 8 <= size; i += 8) {
        uint64_t w, x;
        memcpy(&w, buf + i, 8);
        x = w ^ cr;
        if ((w | ((w - ones) & ~w) | ((x - ones) & ~x)) & high) return 0;
    }
    for (; i < size; i++) {
        uint8_t c = buf[i];
        if (c >= 0x80 || c == 0 || c == '\r') return 0;
    }
    return 1;
}
