-- 0006-scale: `xhinv history NAME` finds the machines that had a name
-- through an index, not by scanning every machine ever made (the partial
-- machine_live_name covers only live ones).

CREATE INDEX machine_name ON machine(name);
