/* vsnprintf for the kernel: no floating point, no allocation. */
#include "lib/printf.h"
#include <stdint.h>
#include <stdbool.h>

struct out {
	char *buf;
	size_t size;   /* capacity including the terminator */
	size_t len;    /* characters produced so far (may exceed size) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left;      /* '-' flag */
	bool zero;      /* '0' flag */
	int width;
	int precision;  /* -1 when absent */
};

static void put_string(struct out *o, const char *s, const struct spec *sp)
{
	if (!s)
		s = "(null)";
	int len = 0;
	while (s[len] && (sp->precision < 0 || len < sp->precision))
		len++;
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

static void put_number(struct out *o, uint64_t v, bool negative, unsigned base,
		       bool upper, const char *prefix, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->precision == 0 && n == 1 && tmp[0] == '0')
		n = 0;    /* C: zero with precision 0 prints no digits */

	int prefix_len = 0;
	while (prefix[prefix_len])
		prefix_len++;
	int zeros = sp->precision > n ? sp->precision - n : 0;
	int total = (negative ? 1 : 0) + prefix_len + zeros + n;
	bool zero_pad = sp->zero && !sp->left && sp->precision < 0;

	if (!sp->left && !zero_pad)
		pad(o, ' ', sp->width - total);
	if (negative)
		put(o, '-');
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	if (zero_pad)
		pad(o, '0', sp->width - total);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		struct spec sp = { false, false, 0, -1 };
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.precision = 0;
			if (*fmt == '*') {
				sp.precision = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.precision = sp.precision * 10 + (*fmt++ - '0');
			}
		}
		int longs = 0;     /* 0: int, 1: long, 2: long long, 3: size_t */
		if (*fmt == 'l') {
			longs = 1;
			fmt++;
			if (*fmt == 'l') {
				longs = 2;
				fmt++;
			}
		} else if (*fmt == 'z') {
			longs = 3;
			fmt++;
		}

		uint64_t u;
		int64_t s;
		switch (*fmt) {
		case 'd':
		case 'i':
			if (longs == 0)
				s = va_arg(ap, int);
			else if (longs == 3)
				s = (int64_t)va_arg(ap, size_t);
			else if (longs == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, long long);
			u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			put_number(&o, u, s < 0, 10, false, "", &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (longs == 0)
				u = va_arg(ap, unsigned int);
			else if (longs == 3)
				u = va_arg(ap, size_t);
			else if (longs == 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned long long);
			put_number(&o, u, false,
				   *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				   *fmt == 'X', "", &sp);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			put_number(&o, u, false, 16, false, "0x", &sp);
			break;
		case 's':
			put_string(&o, va_arg(ap, const char *), &sp);
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			sp.precision = -1;
			put_string(&o, c, &sp);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;   /* a lone '%' at the end: stop */
			break;
		default:
			/* Unknown conversion: print it as written. */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
