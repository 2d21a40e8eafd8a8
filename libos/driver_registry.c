/* drivers: entries and their driver protocol sessions
 * (lightos/driver_registry.h). */
#include "lightos/driver_registry.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"

static struct lo_driver_record *find(struct lo_driver_registry *dr, const char *name)
{
	for (uint32_t i = 0; i < LO_DRIVER_REGISTRY_DRIVERS; i++)
		if (dr->drivers[i].name[0] && !lo_strcmp(dr->drivers[i].name, name))
			return &dr->drivers[i];
	return NULL;
}

static void copy_str(char *to, uint32_t max, const char *from)
{
	uint32_t n = lo_strlen(from);
	if (n > max - 1)
		n = max - 1;
	lo_memcpy(to, from, n);
	to[n] = '\0';
}

static void post(struct lo_eventhook_source *src, uint32_t kind, uint64_t id, const char *text)
{
	if (!src)
		return;
	struct lo_hook_event ev;
	lo_memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.id = id;
	copy_str(ev.text, sizeof(ev.text), text);
	lo_eventhook_post(src, &ev);
}

/* Each of a comma-separated list of devices, as a device event. */
static void post_devices(struct lo_driver_registry *dr, uint64_t pid, const char *devices)
{
	char one[32];
	while (*devices) {
		uint32_t n = 0;
		while (devices[n] && devices[n] != ',')
			n++;
		copy_str(one, n + 1 < sizeof(one) ? n + 1 : sizeof(one), devices);
		post(dr->device_events, LO_HOOK_DEVICE_ADDED, pid, one);
		devices += devices[n] ? n + 1 : n;
	}
}

/* The driver protocol's one method: asked now, so the state is the
 * process's state at this moment. */
static status_t on_info(void *ctx, struct lo_driver_info_response *resp)
{
	struct lo_driver_record *d = ((struct lo_driver_session *)ctx)->driver;
	struct lo_process_info pi;
	if (lo_process_info(d->process, &pi) != LO_OK)
		return LO_ERR_BAD_STATE;
	resp->pid = d->pid;
	resp->state = pi.state == LO_PROCESS_ENDED ? LO_DRIVER_ENDED : LO_DRIVER_RUNNING;
	resp->name_len = lo_strlen(d->name);
	lo_memcpy(resp->name, d->name, resp->name_len);
	resp->devices_len = lo_strlen(d->devices);
	lo_memcpy(resp->devices, d->devices, resp->devices_len);
	return LO_OK;
}

static const struct lo_driver_server handlers = { .info = on_info };

static status_t open_service(void *arg, void *cookie, uint32_t rights, lo_handle_t *out)
{
	struct lo_driver_registry *dr = arg;
	struct lo_driver_record *d = cookie;
	if (d < dr->drivers || d >= dr->drivers + LO_DRIVER_REGISTRY_DRIVERS)
		return dr->next_open ? dr->next_open(dr->next_arg, cookie, rights, out) : LO_ERR_NOT_SUPPORTED;
	for (uint32_t i = 0; i < LO_DRIVER_REGISTRY_SESSIONS; i++) {
		struct lo_driver_session *s = &dr->sessions[i];
		if (s->channel.value)
			continue;
		status_t st = lo_service_session_open(dr->host, &s->channel, LO_DRIVER_REGISTRY_KEY + i, out);
		if (st != LO_OK)
			return st;
		s->driver = d;
		s->rights = rights & LO_RIGHT_READ ? LO_DRIVER_RIGHT_INFO : 0;
		return LO_OK;
	}
	return LO_ERR_NO_RESOURCES;
}

static void on_packet(void *arg, uint64_t key)
{
	struct lo_driver_registry *dr = arg;
	if (key < LO_DRIVER_REGISTRY_KEY || key - LO_DRIVER_REGISTRY_KEY >= LO_DRIVER_REGISTRY_SESSIONS) {
		if (dr->next_packet)
			dr->next_packet(dr->next_arg, key);
		return;
	}
	struct lo_driver_session *s = &dr->sessions[key - LO_DRIVER_REGISTRY_KEY];
	if (!s->channel.value)
		return;
	status_t st;
	uint32_t served = 0;
	do {
		st = lo_driver_serve_one(s->channel, &handlers, s, s->rights);
	} while (st == LO_OK && ++served < LO_REGISTRY_TURN);
	if ((st != LO_OK && st != LO_ERR_SHOULD_WAIT) ||
	    lo_service_session_watch(dr->host, s->channel, key) != LO_OK)
		lo_service_session_end(&s->channel);
}

void lo_driver_registry_init(struct lo_driver_registry *dr, struct lo_registry_host *host,
			     struct lo_registry *reg)
{
	lo_memset(dr, 0, sizeof(*dr));
	dr->host = host;
	dr->reg = reg;
	dr->next_open = host->open_service;
	dr->next_packet = host->on_packet;
	dr->next_arg = host->service_arg;
	host->open_service = open_service;
	host->on_packet = on_packet;
	host->service_arg = dr;
}

status_t lo_driver_registry_add(struct lo_driver_registry *dr, const char *name,
				lo_process_t process, const char *devices)
{
	struct lo_object_info info;
	status_t st = LO_ERR_NO_RESOURCES;
	struct lo_driver_record *d = NULL;
	if (find(dr, name))
		st = LO_ERR_ALREADY_EXISTS;
	for (uint32_t i = 0; !d && st == LO_ERR_NO_RESOURCES && i < LO_DRIVER_REGISTRY_DRIVERS; i++)
		if (!dr->drivers[i].name[0])
			d = &dr->drivers[i];
	if (d)
		st = lo_handle_info(lo_process_handle(process), &info);
	if (st == LO_OK && info.type != LO_TYPE_PROCESS)
		st = LO_ERR_WRONG_TYPE;
	if (st == LO_OK) {
		copy_str(d->name, sizeof(d->name), name);
		copy_str(d->devices, sizeof(d->devices), devices);
		d->process = process;
		d->pid = info.id;
		/* READ: the session may ask info; nothing else is granted. */
		st = lo_registry_add_service(dr->host, dr->reg, d->name, LO_RIGHT_READ | LO_RIGHT_INSPECT, d);
		if (st != LO_OK)
			d->name[0] = '\0';
	}
	if (st == LO_OK) {
		post(dr->driver_events, LO_HOOK_DRIVER_STARTED, d->pid, d->name);
		post_devices(dr, d->pid, d->devices);
	}
	if (st != LO_OK)
		lo_handle_close(lo_process_handle(process));
	return st;
}

status_t lo_driver_registry_add_device(struct lo_driver_registry *dr, const char *name,
				       const char *device)
{
	struct lo_driver_record *d = find(dr, name);
	if (!d)
		return LO_ERR_NOT_FOUND;
	uint32_t have = lo_strlen(d->devices), more = lo_strlen(device);
	if (have + more + 2 > sizeof(d->devices))
		return LO_ERR_NO_RESOURCES;
	if (have)
		d->devices[have++] = ',';
	lo_memcpy(d->devices + have, device, more + 1);
	post_devices(dr, d->pid, device);
	return LO_OK;
}

void lo_driver_registry_shutdown(struct lo_driver_registry *dr)
{
	for (uint32_t i = 0; i < LO_DRIVER_REGISTRY_SESSIONS; i++)
		if (dr->sessions[i].channel.value)
			lo_service_session_end(&dr->sessions[i].channel);
	for (uint32_t i = 0; i < LO_DRIVER_REGISTRY_DRIVERS; i++) {
		if (dr->drivers[i].name[0])
			lo_handle_close(lo_process_handle(dr->drivers[i].process));
		dr->drivers[i].name[0] = '\0';
	}
	dr->host->open_service = dr->next_open;
	dr->host->on_packet = dr->next_packet;
	dr->host->service_arg = dr->next_arg;
}
