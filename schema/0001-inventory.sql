-- 0001-inventory: the first inventory schema.
--
-- One database per store (<store>/xhinv.db) shared by xhinv and the plugin.
-- Conventions: times are Unix milliseconds (INTEGER, UTC); MAC addresses
-- are canonical (lower case, two hex digits per octet); enumerations are
-- CHECKed. Rows for machines are never deleted: `rm` marks them removed so
-- their history survives. The event table is append-only (triggers below).

-- The kinds of events the history can hold. Later migrations add rows here
-- instead of rebuilding a CHECK constraint over a large event table.
CREATE TABLE event_kind (
    name        TEXT PRIMARY KEY,       -- e.g. 'create', 'stop'
    description TEXT NOT NULL           -- one line, shown by `xhinv sql`
) WITHOUT ROWID;

INSERT INTO event_kind (name, description) VALUES
    ('create-begin',  'a create started: the machine row and its reservation exist'),
    ('create',        'a create finished: the machine ran and answered SSH'),
    ('create-failed', 'a create failed and was rolled back'),
    ('start',         'the hypervisor process was launched'),
    ('ip',            'the guest''s DHCP lease was seen (duration: since the create or start began)'),
    ('ssh-ready',     'the guest answered SSH (duration: since the create or start began)'),
    ('powerdown',     'an ACPI power-button press was sent'),
    ('kill',          'SIGKILL was sent to the hypervisor'),
    ('stop',          'the hypervisor exited after a stop (duration: since the stop began)'),
    ('exited',        'the hypervisor was found gone without a stop (crash, kill, reboot)'),
    ('lease-release', 'a DHCP lease was removed from the lease file'),
    ('rm',            'the machine was removed; its row stays, marked removed'),
    ('gc',            'gc removed something the inventory proved stale'),
    ('network-up',    'the shared network (bridge and DHCP server) was started'),
    ('network-down',  'the shared network was stopped');

-- A network machines attach to. On Linux: a bridge and a dnsmasq that xhinv
-- owns; on macOS: vmnet shared mode with bootpd.
CREATE TABLE network (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,   -- 'shared'
    kind        TEXT NOT NULL CHECK (kind IN ('dnsmasq', 'vmnet')),
    bridge      TEXT,                   -- Linux bridge interface; NULL for vmnet
    subnet      TEXT NOT NULL,          -- 'a.b.c.d/n'
    gateway     TEXT NOT NULL,          -- the host's address on the network
    lease_file  TEXT NOT NULL,          -- where the DHCP server writes leases
    created_at  INTEGER NOT NULL
);

-- An ISO image machines boot from (the cache fills in the download fields).
CREATE TABLE image (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE, -- as given: file:///abs/path, https://...
    resolved_url  TEXT,                 -- after redirects / release lookup
    path          TEXT NOT NULL,        -- the local file
    size          INTEGER,              -- bytes
    sha256        TEXT,                 -- hex, when known
    etag          TEXT,                 -- HTTP validators, for revalidation
    last_modified TEXT,
    volume_id     TEXT,                 -- ISO 9660 volume id
    kernel        TEXT,                 -- member path of the kernel in the ISO
    initrd        TEXT,                 -- member path of the initrd
    cmdline       TEXT,                 -- isolinux.cfg append line
    fetched_at    INTEGER,              -- when the file was obtained
    last_used_at  INTEGER               -- last create/start that used it
);

-- Every machine ever created. Live machines have removed_at NULL; the name is
-- unique among them only, so a name can be reused after rm.
CREATE TABLE machine (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    uuid        TEXT NOT NULL,          -- lower-case RFC 4122 text
    backend     TEXT NOT NULL CHECK (backend IN ('qemu', 'xhyve')),
    status      TEXT NOT NULL CHECK (status IN
                    ('creating', 'ready', 'removing', 'removed', 'failed')),
    cpus        INTEGER NOT NULL CHECK (cpus >= 1),
    memory_mb   INTEGER NOT NULL CHECK (memory_mb >= 1),
    disk_mb     INTEGER NOT NULL CHECK (disk_mb >= 1),
    dir         TEXT NOT NULL,          -- <store>/machines/<name>
    image_id    INTEGER REFERENCES image(id),
    iso         TEXT,                   -- the machine's ISO copy
    kernel      TEXT,                   -- extracted kernel in dir
    initrd      TEXT,                   -- extracted initrd in dir
    cmdline     TEXT,                   -- kernel command line it boots with
    created_at  INTEGER NOT NULL,
    removed_at  INTEGER,                -- set by rm, or by a failed create
    CHECK ((status IN ('removed', 'failed')) = (removed_at IS NOT NULL))
);
CREATE UNIQUE INDEX machine_live_name ON machine(name) WHERE removed_at IS NULL;
CREATE INDEX machine_uuid ON machine(uuid);

-- A network interface: the MAC the inventory issued and the IP it reserved.
-- Released rows stay, so the MAC/IP ledger keeps every assignment.
CREATE TABLE nic (
    id          INTEGER PRIMARY KEY,
    machine_id  INTEGER NOT NULL REFERENCES machine(id),
    network_id  INTEGER NOT NULL REFERENCES network(id),
    mac         TEXT NOT NULL,
    ip          TEXT,                   -- reserved IPv4; NULL until known (vmnet)
    created_at  INTEGER NOT NULL,
    released_at INTEGER                 -- reservation dropped (rm, failed create)
);
CREATE UNIQUE INDEX nic_live_mac ON nic(mac) WHERE released_at IS NULL;
CREATE UNIQUE INDEX nic_live_ip ON nic(network_id, ip)
    WHERE released_at IS NULL AND ip IS NOT NULL;
CREATE INDEX nic_machine ON nic(machine_id);
CREATE INDEX nic_mac ON nic(mac);

-- DHCP leases as seen in a lease file. One row per (network, MAC, IP).
CREATE TABLE lease (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL REFERENCES network(id),
    mac         TEXT NOT NULL,
    ip          TEXT NOT NULL,
    hostname    TEXT,
    client_id   TEXT,
    expires_at  INTEGER,                -- NULL: never
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('active', 'stale', 'released', 'pending')),
    source      TEXT NOT NULL,          -- the lease file it was read from
    UNIQUE (network_id, mac, ip)
);

-- A machine's disk image.
CREATE TABLE disk (
    id          INTEGER PRIMARY KEY,
    machine_id  INTEGER NOT NULL REFERENCES machine(id),
    path        TEXT NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('raw', 'qcow2', 'ext4')),
    size_mb     INTEGER NOT NULL CHECK (size_mb >= 1),
    created_at  INTEGER NOT NULL,
    removed_at  INTEGER
);
CREATE INDEX disk_machine ON disk(machine_id);

-- A process we started: a hypervisor (machine_id set) or a network daemon
-- (network_id set). Its pid is trusted only while start_time, exe and
-- boot_id still match. ended_at NULL means we believe it runs.
CREATE TABLE process (
    id          INTEGER PRIMARY KEY,
    machine_id  INTEGER REFERENCES machine(id),
    network_id  INTEGER REFERENCES network(id),
    role        TEXT NOT NULL CHECK (role IN ('hypervisor', 'dhcp')),
    pid         INTEGER NOT NULL,
    start_time  INTEGER NOT NULL,       -- Linux: clock ticks after boot (/proc/PID/stat #22); macOS: µs since the epoch
    boot_id     TEXT NOT NULL,          -- host boot the process belongs to
    exe         TEXT NOT NULL,          -- its executable
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    end_reason  TEXT CHECK (end_reason IN
                    ('stopped', 'killed', 'exited', 'reused', 'reboot')),
    CHECK ((machine_id IS NULL) <> (network_id IS NULL))
);
CREATE UNIQUE INDEX process_live_machine ON process(machine_id)
    WHERE ended_at IS NULL AND machine_id IS NOT NULL;
CREATE UNIQUE INDEX process_live_network ON process(network_id)
    WHERE ended_at IS NULL AND network_id IS NOT NULL;

-- The history: append-only. duration_ms carries the timing the kind
-- describes; detail is a JSON object.
CREATE TABLE event (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    machine_id  INTEGER REFERENCES machine(id),
    kind        TEXT NOT NULL REFERENCES event_kind(name),
    duration_ms INTEGER,
    detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX event_machine ON event(machine_id, id);
CREATE INDEX event_kind_at ON event(kind, at);

CREATE TRIGGER event_no_update BEFORE UPDATE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event history is append-only');
END;
CREATE TRIGGER event_no_delete BEFORE DELETE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event history is append-only');
END;

-- Views for people using `xhinv sql`. Times as ISO 8601 text.

-- One row per machine with its live NIC.
CREATE VIEW machines AS
SELECT m.name, m.status,
       CASE WHEN p.id IS NOT NULL THEN 'running' ELSE 'stopped' END AS recorded_state,
       m.uuid, n.mac, n.ip, m.backend, m.cpus, m.memory_mb, m.disk_mb,
       strftime('%Y-%m-%dT%H:%M:%SZ', m.created_at / 1000, 'unixepoch') AS created,
       strftime('%Y-%m-%dT%H:%M:%SZ', m.removed_at / 1000, 'unixepoch') AS removed,
       m.dir, p.pid
FROM machine m
LEFT JOIN nic n ON n.machine_id = m.id
     AND n.id = (SELECT max(id) FROM nic WHERE machine_id = m.id)
LEFT JOIN process p ON p.machine_id = m.id AND p.ended_at IS NULL;

-- The event history with machine names.
CREATE VIEW history AS
SELECT e.id,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.at / 1000.0, 'unixepoch') AS time,
       m.name AS machine, e.kind, e.duration_ms, e.detail
FROM event e LEFT JOIN machine m ON m.id = e.machine_id;

-- Leases with the machine that owns their MAC (NULL: not issued by us).
CREATE VIEW lease_owner AS
SELECT l.mac, l.ip, l.hostname, l.state,
       strftime('%Y-%m-%dT%H:%M:%SZ', l.expires_at / 1000, 'unixepoch') AS expires,
       m.name AS machine, m.status AS machine_status
FROM lease l
LEFT JOIN nic n ON n.mac = l.mac
     AND n.id = (SELECT max(id) FROM nic WHERE mac = l.mac)
LEFT JOIN machine m ON m.id = n.machine_id;

-- Boot timings: create/start to IP and to SSH, per event.
CREATE VIEW boot_times AS
SELECT m.name AS machine, e.kind,
       json_extract(e.detail, '$.since') AS since,
       e.duration_ms,
       strftime('%Y-%m-%dT%H:%M:%SZ', e.at / 1000, 'unixepoch') AS time
FROM event e JOIN machine m ON m.id = e.machine_id
WHERE e.kind IN ('ip', 'ssh-ready');
