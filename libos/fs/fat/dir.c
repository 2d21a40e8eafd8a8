/* Directories: entries, long names (VFAT), paths, create/unlink/rename. */
#include "fat_internal.h"

#define LFN_MAX_SLOTS 20                 /* 20 * 13 = 260 >= FAT_NAME_MAX */
#define FIXED_DATE ((2026 - 1980) << 9 | 1 << 5 | 1)   /* no clock: 2026-01-01 */

/* A position in a directory's cluster chain. */
struct dir_iter {
	uint32_t first;
	uint32_t cluster;      /* the cluster holding slot `index` */
	uint32_t index;        /* next slot to read */
	struct fat_chain_guard guard;   /* a looping directory chain ends the walk */
};

/* A live entry, with where its slots lie. */
struct found {
	struct fat_entry e;
	uint64_t sector;
	uint32_t offset;
	uint32_t index;        /* slot of the short entry */
	uint32_t first_slot;   /* first long-name slot, or index */
	char name[FAT_NAME_MAX + 1];
};

static uint32_t slots_per_cluster(const struct fat_fs *fs) { return fs->cluster_bytes / DIR_ENTRY_SIZE; }

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int upper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }

static int name_equal(const char *a, const char *b)
{
	while (*a && lower((uint8_t)*a) == lower((uint8_t)*b))
		a++, b++;
	return lower((uint8_t)*a) == lower((uint8_t)*b);
}

uint32_t fat_entry_cluster(const struct fat_entry *e)
{
	return (uint32_t)get16(e->raw + 20) << 16 | get16(e->raw + 26);
}

void fat_entry_set_cluster(struct fat_entry *e, uint32_t c)
{
	put16(e->raw + 20, (uint16_t)(c >> 16));
	put16(e->raw + 26, (uint16_t)c);
}

/* The first cluster of a directory entry; ".." says 0 for the root. */
static uint32_t dir_cluster(const struct fat_fs *fs, const struct fat_entry *e)
{
	uint32_t c = fat_entry_cluster(e);
	return c ? c : fs->root_cluster;
}

static status_t iter_seek(struct fat_fs *fs, struct dir_iter *it, uint32_t first, uint32_t index)
{
	it->first = it->cluster = first;
	it->index = 0;
	fat_guard_init(&it->guard, first);
	if (index >= DIR_MAX_ENTRIES)
		return LO_ERR_NOT_FOUND;
	for (uint32_t n = index / slots_per_cluster(fs); n > 0; n--) {
		status_t st = fat_next(fs, it->cluster, &it->cluster);
		if (st != LO_OK)
			return st;
		if (!it->cluster)
			return LO_ERR_NOT_FOUND;
		if ((st = fat_guard_step(&it->guard, it->cluster)) != LO_OK)
			return st;
	}
	it->index = index;
	return LO_OK;
}

/* Read the slot at it->index and step past it; NOT_FOUND past the chain. */
static status_t iter_slot(struct fat_fs *fs, struct dir_iter *it, struct fat_entry *e,
			  uint64_t *sector, uint32_t *offset)
{
	uint32_t per = slots_per_cluster(fs);
	if (!it->cluster || it->index >= DIR_MAX_ENTRIES)
		return LO_ERR_NOT_FOUND;
	uint32_t byte = (it->index % per) * DIR_ENTRY_SIZE;
	*sector = fat_cluster_sector(fs, it->cluster) + byte / FAT_SECTOR_SIZE;
	*offset = byte % FAT_SECTOR_SIZE;
	status_t st = fat_cache_read(fs, *sector, *offset, e->raw, DIR_ENTRY_SIZE);
	if (st != LO_OK)
		return st;
	it->index++;
	if (it->index % per == 0) {
		st = fat_next(fs, it->cluster, &it->cluster);   /* 0 at the end */
		if (st == LO_OK && it->cluster)
			st = fat_guard_step(&it->guard, it->cluster);
		if (st != LO_OK)
			return st;
	}
	return LO_OK;
}

static status_t slot_location(struct fat_fs *fs, uint32_t first, uint32_t index, uint64_t *sector, uint32_t *offset)
{
	struct dir_iter it;
	struct fat_entry e;
	status_t st = iter_seek(fs, &it, first, index);
	return st != LO_OK ? st : iter_slot(fs, &it, &e, sector, offset);
}

static uint8_t short_checksum(const uint8_t *name)
{
	uint8_t sum = 0;
	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
	return sum;
}

/* "NAME    TXT" -> "name.txt", with the NT lower-case flags. */
static void short_to_text(const struct fat_entry *e, char *out)
{
	int n = 0;
	uint8_t nt = e->raw[12];
	for (int i = 0; i < 8 && e->raw[i] != ' '; i++) {
		int c = (i == 0 && e->raw[0] == 0x05) ? 0xE5 : e->raw[i];
		out[n++] = (char)(c >= 0x80 || c < 0x20 ? '_' : (nt & NTRES_LOWER_BASE) ? lower(c) : c);
	}
	if (e->raw[8] != ' ') {
		out[n++] = '.';
		for (int i = 8; i < 11 && e->raw[i] != ' '; i++) {
			int c = e->raw[i];
			out[n++] = (char)(c >= 0x80 || c < 0x20 ? '_' : (nt & NTRES_LOWER_EXT) ? lower(c) : c);
		}
	}
	out[n] = '\0';
}

/* UCS-2 to UTF-8; 0 if it does not fit. */
static int ucs2_to_text(const uint16_t *u, int count, char *out)
{
	int n = 0;
	for (int i = 0; i < count && u[i] && u[i] != 0xFFFF; i++) {
		uint16_t c = u[i];
		int need = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
		if (n + need > FAT_NAME_MAX)
			return 0;
		if (c < 0x80) {
			out[n++] = (char)c;
		} else if (c < 0x800) {
			out[n++] = (char)(0xC0 | c >> 6);
			out[n++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[n++] = (char)(0xE0 | c >> 12);
			out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[n++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[n] = '\0';
	return n > 0;
}

static const uint8_t lfn_offsets[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

/* The next live entry from it, its long name put together from the slots
 * before it when they are whole and their checksum matches. */
static status_t dir_next(struct fat_fs *fs, struct dir_iter *it, struct found *f)
{
	uint16_t lfn[LFN_MAX_SLOTS * 13];
	int expect = 0, slots = 0;
	uint8_t sum = 0;
	uint32_t start = 0;
	for (;;) {
		uint32_t index = it->index;
		status_t st = iter_slot(fs, it, &f->e, &f->sector, &f->offset);
		if (st != LO_OK)
			return st;
		const uint8_t *r = f->e.raw;
		if (r[0] == 0x00)
			return LO_ERR_NOT_FOUND;        /* end of directory */
		if (r[0] == 0xE5) {
			slots = 0;
			continue;
		}
		if ((r[11] & 0x3F) == ATTR_LFN) {
			int ord = r[0] & 0x1F;
			if (r[0] & 0x40) {
				if (ord == 0 || ord > LFN_MAX_SLOTS) {
					slots = 0;
					continue;
				}
				slots = expect = ord;
				sum = r[13];
				start = index;
				memset(lfn, 0, sizeof(lfn));
			} else if (!slots || ord != expect || r[13] != sum) {
				slots = 0;
				continue;
			}
			for (int i = 0; i < 13; i++)
				lfn[(ord - 1) * 13 + i] = get16(r + lfn_offsets[i]);
			expect = ord - 1;
			continue;
		}
		if (r[11] & ATTR_VOLUME) {
			slots = 0;
			continue;
		}
		f->index = index;
		f->first_slot = index;
		if (slots && expect == 0 && short_checksum(r) == sum &&
		    ucs2_to_text(lfn, slots * 13, f->name)) {
			f->first_slot = start;
		} else {
			short_to_text(&f->e, f->name);
		}
		return LO_OK;
	}
}

static int is_dot_name(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* The entry called `name` in the directory starting at cluster `dir`. */
static status_t dir_find(struct fat_fs *fs, uint32_t dir, const char *name, struct found *f)
{
	struct dir_iter it;
	char short_text[13];
	status_t st = iter_seek(fs, &it, dir, 0);
	while (st == LO_OK) {
		st = dir_next(fs, &it, f);
		if (st != LO_OK)
			break;
		short_to_text(&f->e, short_text);
		if (name_equal(f->name, name) || name_equal(short_text, name))
			return LO_OK;
	}
	return st;
}

/* Copy the path component at *p into name and step past it; 0 at the end. */
static status_t next_component(const char **p, char *name, int *more)
{
	const char *s = *p;
	while (*s == '/')
		s++;
	size_t n = 0;
	while (s[n] && s[n] != '/')
		n++;
	if (n > FAT_NAME_MAX)
		return LO_ERR_NAME_TOO_LONG;
	memcpy(name, s, n);
	name[n] = '\0';
	s += n;
	while (*s == '/')
		s++;
	*p = s;
	*more = *s != '\0';
	return LO_OK;
}

/* Walk a path to its last component: *parent is the directory that holds
 * it, `last` its name ("" for the root itself); f the entry if it exists. */
static status_t walk(struct fat_fs *fs, const char *path, uint32_t *parent, char *last, struct found *f,
		     int *missing_last)
{
	int more = 1;
	*missing_last = 0;
	uint32_t dir = fs->root_cluster;
	if (strlen(path) > FAT_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	for (;;) {
		status_t st = next_component(&path, last, &more);
		if (st != LO_OK)
			return st;
		*parent = dir;
		if (!last[0])
			return LO_ERR_NOT_FOUND;   /* the root has no entry */
		st = dir_find(fs, dir, last, f);
		if (st == LO_ERR_NOT_FOUND && !more)
			*missing_last = 1;
		if (st != LO_OK || !more)
			return st;
		if (!(f->e.raw[11] & ATTR_DIR))
			return LO_ERR_NOT_FOUND;
		dir = dir_cluster(fs, &f->e);
	}
}

static int is_root_path(const char *path)
{
	while (*path == '/')
		path++;
	return *path == '\0';
}

static void node_from(struct fat_node *node, const struct found *f)
{
	memset(node, 0, sizeof(*node));
	node->entry_sector = f->sector;
	node->entry_offset = f->offset;
	memcpy(node->short_name, f->e.raw, 11);
}

status_t fat_open(struct fat_fs *fs, const char *path, struct fat_node *out)
{
	static struct found f;
	static char last[FAT_NAME_MAX + 1];
	uint32_t parent;
	int missing_last;
	if (is_root_path(path)) {
		memset(out, 0, sizeof(*out));
		out->is_root = 1;
		return LO_OK;
	}
	status_t st = walk(fs, path, &parent, last, &f, &missing_last);
	if (st == LO_OK)
		node_from(out, &f);
	return st;
}

status_t fat_node_entry(struct fat_fs *fs, struct fat_node *node, struct fat_entry *e)
{
	if (node->is_root) {
		memset(e, 0, sizeof(*e));
		e->raw[11] = ATTR_DIR;
		fat_entry_set_cluster(e, fs->root_cluster);
		return LO_OK;
	}
	status_t st = fat_cache_read(fs, node->entry_sector, node->entry_offset, e->raw, DIR_ENTRY_SIZE);
	if (st != LO_OK)
		return st;
	if (memcmp(e->raw, node->short_name, 11) != 0 || (e->raw[11] & 0x3F) == ATTR_LFN)
		return LO_ERR_NOT_FOUND;   /* unlinked or renamed since opened */
	return LO_OK;
}

status_t fat_node_put_entry(struct fat_fs *fs, struct fat_node *node, const struct fat_entry *e)
{
	if (node->is_root)
		return LO_ERR_NOT_SUPPORTED;
	return fat_cache_write(fs, node->entry_sector, node->entry_offset, e->raw, DIR_ENTRY_SIZE);
}

status_t fat_stat(struct fat_fs *fs, struct fat_node *node, struct fat_stat *st)
{
	struct fat_entry e;
	status_t s = fat_node_entry(fs, node, &e);
	if (s != LO_OK)
		return s;
	st->is_dir = (e.raw[11] & ATTR_DIR) != 0;
	st->size = st->is_dir ? 0 : get32(e.raw + 28);
	st->first_cluster = st->is_dir ? dir_cluster(fs, &e) : fat_entry_cluster(&e);
	return LO_OK;
}

status_t fat_readdir(struct fat_fs *fs, struct fat_node *dir, uint32_t *cursor, struct fat_dirent *out)
{
	static struct found f;
	struct fat_stat st;
	struct dir_iter it;
	status_t s = fat_stat(fs, dir, &st);
	if (s != LO_OK)
		return s;
	if (!st.is_dir)
		return LO_ERR_NOT_SUPPORTED;
	if ((s = iter_seek(fs, &it, st.first_cluster, *cursor)) != LO_OK)
		return s;
	do {
		if ((s = dir_next(fs, &it, &f)) != LO_OK)
			return s;
	} while (is_dot_name(f.name));
	*cursor = f.index + 1;
	memcpy(out->name, f.name, sizeof(out->name));
	out->is_dir = (f.e.raw[11] & ATTR_DIR) != 0;
	out->size = out->is_dir ? 0 : get32(f.e.raw + 28);
	return LO_OK;
}

/* ---- Creating and removing entries. ---- */

static int short_char_ok(int c)
{
	static const char extra[] = "!#$%&'()-@^_`{}~";
	if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	for (const char *p = extra; *p; p++)
		if (*p == c)
			return 1;
	return 0;
}

/* Names we write: printable ASCII without the characters FAT forbids. */
static status_t check_new_name(const char *name)
{
	static const char bad[] = "\"*/:<>?\\|";
	size_t n = strlen(name);
	if (n == 0 || is_dot_name(name) || name[n - 1] == '.' || name[n - 1] == ' ')
		return LO_ERR_INVALID_ARGS;
	if (n > FAT_NAME_MAX)
		return LO_ERR_NAME_TOO_LONG;
	for (size_t i = 0; i < n; i++) {
		if ((uint8_t)name[i] < 0x20 || (uint8_t)name[i] > 0x7E)
			return LO_ERR_INVALID_ARGS;
		for (const char *b = bad; *b; b++)
			if (*b == name[i])
				return LO_ERR_INVALID_ARGS;
	}
	return LO_OK;
}

/* Fill part of a short name; -1 if it does not fit, else the case seen
 * (bit 0 lower, bit 1 upper). */
static int short_part(const char *s, size_t n, uint8_t *out, size_t max)
{
	int seen = 0;
	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int c = (uint8_t)s[i];
		if (c >= 'a' && c <= 'z')
			seen |= 1;
		else if (c >= 'A' && c <= 'Z')
			seen |= 2;
		if (!short_char_ok(upper(c)))
			return -1;
		out[i] = (uint8_t)upper(c);
	}
	return seen;
}

/* Is `name` an 8.3 name (one case per part)? Then fill raw[0..11], raw[12]. */
static int fits_short(const char *name, uint8_t *raw)
{
	const char *dot = NULL;
	for (const char *p = name; *p; p++)
		if (*p == '.') {
			if (dot)
				return 0;
			dot = p;
		}
	size_t base_len = dot ? (size_t)(dot - name) : strlen(name);
	size_t ext_len = dot ? strlen(dot + 1) : 0;
	memset(raw, ' ', 11);
	raw[12] = 0;
	if (base_len == 0 || (dot && ext_len == 0))
		return 0;
	int b = short_part(name, base_len, raw, 8);
	int e = dot ? short_part(dot + 1, ext_len, raw + 8, 3) : 0;
	if (b < 0 || e < 0 || b == 3 || e == 3)
		return 0;
	raw[12] = (uint8_t)((b == 1 ? NTRES_LOWER_BASE : 0) | (e == 1 ? NTRES_LOWER_EXT : 0));
	return 1;
}

static status_t short_taken(struct fat_fs *fs, uint32_t dir, const uint8_t *raw, int *taken)
{
	static struct found f;
	struct dir_iter it;
	status_t st = iter_seek(fs, &it, dir, 0);
	*taken = 0;
	while (st == LO_OK && (st = dir_next(fs, &it, &f)) == LO_OK) {
		if (!memcmp(f.e.raw, raw, 11)) {
			*taken = 1;
			return LO_OK;
		}
	}
	return st == LO_ERR_NOT_FOUND ? LO_OK : st;
}

/* A unique "BASE~N.EXT" for a long name. */
static status_t make_short(struct fat_fs *fs, uint32_t dir, const char *name, uint8_t *raw)
{
	const char *dot = NULL;
	for (const char *p = name; *p; p++)
		if (*p == '.' && p != name)
			dot = p;
	uint8_t base[8], ext[3];
	size_t nb = 0, ne = 0;
	for (const char *p = name; *p && p != dot && nb < 8; p++) {
		int c = upper((uint8_t)*p);
		if (c != ' ' && c != '.')
			base[nb++] = (uint8_t)(short_char_ok(c) ? c : '_');
	}
	for (const char *p = dot ? dot + 1 : ""; *p && ne < 3; p++) {
		int c = upper((uint8_t)*p);
		if (c != ' ' && c != '.')
			ext[ne++] = (uint8_t)(short_char_ok(c) ? c : '_');
	}
	if (nb == 0)
		base[nb++] = '_';
	for (uint32_t n = 1; n < 1000000; n++) {
		char tail[8];
		int t = 0;
		for (uint32_t v = n; v; v /= 10)
			tail[t++] = (char)('0' + v % 10);
		size_t keep = nb < (size_t)(7 - t) ? nb : (size_t)(7 - t);
		memset(raw, ' ', 11);
		memcpy(raw, base, keep);
		raw[keep] = '~';
		for (int i = 0; i < t; i++)
			raw[keep + 1 + i] = (uint8_t)tail[t - 1 - i];
		memcpy(raw + 8, ext, ne);
		raw[12] = 0;
		int taken;
		status_t st = short_taken(fs, dir, raw, &taken);
		if (st != LO_OK || !taken)
			return st;
	}
	return LO_ERR_NO_RESOURCES;
}

/* The first run of n free slots, growing the directory if needed. */
static status_t find_free_run(struct fat_fs *fs, uint32_t dir, uint32_t n, uint32_t *start)
{
	struct dir_iter it;
	struct fat_entry e;
	uint64_t sector;
	uint32_t offset, run = 0, last = dir;
	status_t st = iter_seek(fs, &it, dir, 0);
	if (st != LO_OK)
		return st;
	for (;;) {
		uint32_t index = it.index;
		if (it.cluster)
			last = it.cluster;
		st = iter_slot(fs, &it, &e, &sector, &offset);
		if (st == LO_ERR_NOT_FOUND && it.index < DIR_MAX_ENTRIES) {
			/* Past the chain's end: a new zeroed cluster is all free. */
			if ((st = fat_alloc(fs, last, &it.cluster)) != LO_OK)
				return st;
			continue;
		}
		if (st != LO_OK)
			return st == LO_ERR_NOT_FOUND ? LO_ERR_NO_RESOURCES : st;
		if (e.raw[0] == 0x00 || e.raw[0] == 0xE5) {
			if (++run == n) {
				*start = index + 1 - n;
				return LO_OK;
			}
		} else {
			run = 0;
		}
	}
}

static status_t write_slot(struct fat_fs *fs, uint32_t dir, uint32_t index, const uint8_t *raw,
			   uint64_t *sector, uint32_t *offset)
{
	status_t st = slot_location(fs, dir, index, sector, offset);
	return st != LO_OK ? st : fat_cache_write(fs, *sector, *offset, raw, DIR_ENTRY_SIZE);
}

/* Write a short entry `e` named `name` into dir, with long-name slots
 * before it unless the name is its own short name. */
static status_t add_entry(struct fat_fs *fs, uint32_t dir, const char *name, struct fat_entry *e,
			  struct fat_node *out)
{
	uint8_t raw[DIR_ENTRY_SIZE];
	uint32_t nlfn = 0, start;
	uint64_t sector;
	uint32_t offset;
	status_t st;
	if (!fits_short(name, e->raw)) {
		if ((st = make_short(fs, dir, name, e->raw)) != LO_OK)
			return st;
		nlfn = (uint32_t)(strlen(name) + 12) / 13;
	}
	if ((st = find_free_run(fs, dir, nlfn + 1, &start)) != LO_OK)
		return st;
	uint8_t sum = short_checksum(e->raw);
	size_t len = strlen(name);
	for (uint32_t k = nlfn; k >= 1; k--) {
		memset(raw, 0, sizeof(raw));
		raw[0] = (uint8_t)(k | (k == nlfn ? 0x40 : 0));
		raw[11] = ATTR_LFN;
		raw[13] = sum;
		for (int i = 0; i < 13; i++) {
			size_t at = (k - 1) * 13 + (size_t)i;
			uint16_t c = at < len ? (uint8_t)name[at] : at == len ? 0x0000 : 0xFFFF;
			put16(raw + lfn_offsets[i], c);
		}
		if ((st = write_slot(fs, dir, start + nlfn - k, raw, &sector, &offset)) != LO_OK)
			return st;
	}
	if ((st = write_slot(fs, dir, start + nlfn, e->raw, &sector, &offset)) != LO_OK)
		return st;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->entry_sector = sector;
		out->entry_offset = offset;
		memcpy(out->short_name, e->raw, 11);
	}
	return LO_OK;
}

static status_t delete_slots(struct fat_fs *fs, uint32_t dir, const struct found *f)
{
	static const uint8_t deleted = 0xE5;
	for (uint32_t i = f->first_slot; i <= f->index; i++) {
		uint64_t sector;
		uint32_t offset;
		status_t st = slot_location(fs, dir, i, &sector, &offset);
		if (st == LO_OK)
			st = fat_cache_write(fs, sector, offset, &deleted, 1);
		if (st != LO_OK)
			return st;
	}
	return LO_OK;
}

static void init_entry(struct fat_entry *e, uint8_t attr, uint32_t cluster)
{
	memset(e, 0, sizeof(*e));
	e->raw[11] = attr;
	put16(e->raw + 16, FIXED_DATE);
	put16(e->raw + 18, FIXED_DATE);
	put16(e->raw + 24, FIXED_DATE);
	fat_entry_set_cluster(e, cluster);
}

/* "." and ".." in a new directory's first cluster. */
static status_t write_dots(struct fat_fs *fs, uint32_t c, uint32_t parent)
{
	struct fat_entry dot;
	uint64_t s = fat_cluster_sector(fs, c);
	init_entry(&dot, ATTR_DIR, c);
	memcpy(dot.raw, ".          ", 11);
	status_t st = fat_cache_write(fs, s, 0, dot.raw, DIR_ENTRY_SIZE);
	if (st != LO_OK)
		return st;
	init_entry(&dot, ATTR_DIR, parent == fs->root_cluster ? 0 : parent);
	memcpy(dot.raw, "..         ", 11);
	return fat_cache_write(fs, s, DIR_ENTRY_SIZE, dot.raw, DIR_ENTRY_SIZE);
}

/* The place for a new entry: `path` must not exist, its parent must, and
 * its last part must be a valid name. `scratch` is walk's room. */
static status_t new_name_at(struct fat_fs *fs, const char *path, uint32_t *parent, char *name,
			    struct found *scratch)
{
	int missing_last;
	status_t st = walk(fs, path, parent, name, scratch, &missing_last);
	if (st == LO_OK)
		return LO_ERR_ALREADY_EXISTS;
	if (!missing_last)
		return st;
	return check_new_name(name);
}

status_t fat_create(struct fat_fs *fs, const char *path, int is_dir, struct fat_node *out)
{
	static struct found f;
	static char name[FAT_NAME_MAX + 1];
	struct fat_entry e;
	uint32_t parent, cluster = 0;
	if (is_root_path(path))
		return LO_ERR_ALREADY_EXISTS;
	status_t st = new_name_at(fs, path, &parent, name, &f);
	if (st != LO_OK)
		return st;
	if (is_dir) {
		if ((st = fat_alloc(fs, 0, &cluster)) != LO_OK)
			return st;
		if ((st = write_dots(fs, cluster, parent)) != LO_OK)
			return st;
	}
	init_entry(&e, is_dir ? ATTR_DIR : ATTR_ARCHIVE, cluster);
	st = add_entry(fs, parent, name, &e, out);
	if (st != LO_OK && cluster)
		fat_free_chain(fs, cluster);
	return st;
}

static status_t remove_entry(struct fat_fs *fs, const char *path, int want_dir)
{
	static struct found f, g;
	static char name[FAT_NAME_MAX + 1];
	uint32_t parent;
	int missing_last;
	if (is_root_path(path))
		return LO_ERR_ACCESS_DENIED;
	status_t st = walk(fs, path, &parent, name, &f, &missing_last);
	if (st != LO_OK)
		return st;
	int is_dir = (f.e.raw[11] & ATTR_DIR) != 0;
	if (is_dir != want_dir)
		return LO_ERR_NOT_SUPPORTED;
	if (is_dot_name(f.name))
		return LO_ERR_INVALID_ARGS;
	if (is_dir) {
		struct dir_iter it;
		if ((st = iter_seek(fs, &it, dir_cluster(fs, &f.e), 0)) != LO_OK)
			return st;
		while ((st = dir_next(fs, &it, &g)) == LO_OK)
			if (!is_dot_name(g.name))
				return LO_ERR_BAD_STATE;
		if (st != LO_ERR_NOT_FOUND)
			return st;
	}
	if ((st = delete_slots(fs, parent, &f)) != LO_OK)
		return st;
	return fat_free_chain(fs, fat_entry_cluster(&f.e));
}

status_t fat_unlink(struct fat_fs *fs, const char *path) { return remove_entry(fs, path, 0); }
status_t fat_rmdir(struct fat_fs *fs, const char *path) { return remove_entry(fs, path, 1); }

/* Is directory `dir` the directory `c` or inside it? Follows "..". */
static status_t inside(struct fat_fs *fs, uint32_t dir, uint32_t c, int *result)
{
	static struct found f;
	*result = 0;
	for (int depth = 0; depth < 4096; depth++) {
		if (dir == c) {
			*result = 1;
			return LO_OK;
		}
		if (dir == fs->root_cluster)
			return LO_OK;
		status_t st = dir_find(fs, dir, "..", &f);
		if (st != LO_OK)
			return st == LO_ERR_NOT_FOUND ? LO_ERR_BAD_FORMAT : st;
		dir = dir_cluster(fs, &f.e);
	}
	return LO_ERR_BAD_FORMAT;
}

status_t fat_rename(struct fat_fs *fs, const char *from, const char *to)
{
	static struct found f, g;
	static char name[FAT_NAME_MAX + 1];
	uint32_t from_parent, to_parent;
	int missing_last;
	if (is_root_path(from) || is_root_path(to))
		return LO_ERR_INVALID_ARGS;
	status_t st = walk(fs, from, &from_parent, name, &f, &missing_last);
	if (st != LO_OK)
		return st;
	if (is_dot_name(f.name))
		return LO_ERR_INVALID_ARGS;
	if ((st = new_name_at(fs, to, &to_parent, name, &g)) != LO_OK)
		return st;
	int is_dir = (f.e.raw[11] & ATTR_DIR) != 0;
	uint32_t c = fat_entry_cluster(&f.e);
	if (is_dir) {
		int loop;
		if ((st = inside(fs, to_parent, dir_cluster(fs, &f.e), &loop)) != LO_OK)
			return st;
		if (loop)
			return LO_ERR_INVALID_ARGS;   /* into itself */
	}
	struct fat_entry e = f.e;
	if ((st = add_entry(fs, to_parent, name, &e, NULL)) != LO_OK)
		return st;
	if ((st = delete_slots(fs, from_parent, &f)) != LO_OK)
		return st;
	if (is_dir && c && from_parent != to_parent) {
		struct fat_entry dots;
		uint64_t s = fat_cluster_sector(fs, c);
		if ((st = fat_cache_read(fs, s, DIR_ENTRY_SIZE, dots.raw, DIR_ENTRY_SIZE)) != LO_OK)
			return st;
		if (!memcmp(dots.raw, "..         ", 11)) {
			fat_entry_set_cluster(&dots, to_parent == fs->root_cluster ? 0 : to_parent);
			st = fat_cache_write(fs, s, DIR_ENTRY_SIZE, dots.raw, DIR_ENTRY_SIZE);
		}
	}
	return st;
}
