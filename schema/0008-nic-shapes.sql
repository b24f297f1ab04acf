-- 0008-nic-shapes: what a MAC and an IP look like, checked by the database
-- itself. SQLite cannot add a CHECK to an existing table, so these are
-- triggers: a MAC is the canonical form the driver writes (six pairs of
-- lower-case hex digits, as ident_mac_format makes them), an IP a dotted
-- quad of digits (NULL until known, on vmnet). A row edited by hand with
-- `sql --write` into another shape is refused, with this message.

CREATE TRIGGER nic_shape_insert BEFORE INSERT ON nic
WHEN NEW.mac NOT GLOB '[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]'
  OR (NEW.ip IS NOT NULL AND (NEW.ip GLOB '*[^0-9.]*'
      OR NEW.ip NOT GLOB '[0-9]*.[0-9]*.[0-9]*.[0-9]*'
      OR NEW.ip GLOB '*.*.*.*.*' OR length(NEW.ip) > 15))
BEGIN
    SELECT RAISE(ABORT, 'nic: a MAC is aa:bb:cc:dd:ee:ff (lower-case hex), an IP a.b.c.d');
END;

CREATE TRIGGER nic_shape_update BEFORE UPDATE OF mac, ip ON nic
WHEN NEW.mac NOT GLOB '[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]'
  OR (NEW.ip IS NOT NULL AND (NEW.ip GLOB '*[^0-9.]*'
      OR NEW.ip NOT GLOB '[0-9]*.[0-9]*.[0-9]*.[0-9]*'
      OR NEW.ip GLOB '*.*.*.*.*' OR length(NEW.ip) > 15))
BEGIN
    SELECT RAISE(ABORT, 'nic: a MAC is aa:bb:cc:dd:ee:ff (lower-case hex), an IP a.b.c.d');
END;
