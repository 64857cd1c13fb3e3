-- Service levels on the Vietnamese calendar (issue 17).
--
-- Calendars: weekly hours and per-year edits as JSON of the domain's types
-- (calendar::WeeklyHours, calendar::YearRules). The holidays themselves are computed from the
-- rules, never stored. `24x7` and `office` are built in (they can be edited, not deleted).
CREATE TABLE calendars (
    name             TEXT PRIMARY KEY,
    weekly_hours     TEXT NOT NULL,
    public_holidays  BIGINT NOT NULL,
    builtin          BIGINT NOT NULL DEFAULT 0,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE calendar_years (
    calendar    TEXT NOT NULL REFERENCES calendars(name),
    year        BIGINT NOT NULL,
    rules       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (calendar, year)
);

-- Policies, tried in `position` order; the first enabled one whose conditions hold applies.
-- `conditions` is JSON of sla::Conditions, `ladder` of Vec<sla::LadderStep>.
CREATE TABLE sla_policies (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL UNIQUE,
    position                BIGINT NOT NULL,
    enabled                 BIGINT NOT NULL DEFAULT 1,
    conditions              TEXT NOT NULL DEFAULT '{}',
    calendar                TEXT NOT NULL REFERENCES calendars(name),
    first_response_minutes  BIGINT,
    next_response_minutes   BIGINT,
    resolution_minutes      BIGINT,
    pause_while_waiting     BIGINT NOT NULL DEFAULT 1,
    ladder                  TEXT NOT NULL DEFAULT '[]',
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);

-- Legal deadlines per case kind: `amount` and `extension` are JSON of sla::Amount.
CREATE TABLE legal_rules (
    kind            TEXT NOT NULL,
    clock           TEXT NOT NULL,
    calendar        TEXT NOT NULL REFERENCES calendars(name),
    amount          TEXT NOT NULL,
    extension       TEXT,
    max_extensions  BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (kind, clock)
);

-- A case's clocks: what is counted (amount on calendar) from when, with which pauses (JSON of
-- Vec<sla::Pause>); `due_at` is derived from those (NULL while paused), `met_at` set when the
-- target was reached (answered, resolved, accepted, settled). `next_step_at` is when the next
-- unfired step of the policy's escalation ladder for this clock fires (NULL: none left); the
-- case's timer job (`sla.escalate`, one per case) is armed for the earliest of them.
CREATE TABLE case_clocks (
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    clock         TEXT NOT NULL,
    policy_id     BIGINT REFERENCES sla_policies(id),
    calendar      TEXT NOT NULL REFERENCES calendars(name),
    amount        TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    pauses        TEXT NOT NULL DEFAULT '[]',
    pause_reason  TEXT,
    due_at        BIGINT,
    met_at        BIGINT,
    extensions    BIGINT NOT NULL DEFAULT 0,
    next_step_at  BIGINT,
    PRIMARY KEY (case_id, clock)
);
CREATE INDEX case_clocks_running ON case_clocks(calendar, met_at);
CREATE INDEX case_clocks_due ON case_clocks(met_at, due_at);
CREATE INDEX case_clocks_next_step ON case_clocks(next_step_at);

-- A fired step of an escalation ladder. The primary key is what makes a step fire once across
-- nodes: the step's effects are written in the transaction that inserts this row.
CREATE TABLE sla_escalations (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    clock       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    step        BIGINT NOT NULL,
    action      TEXT NOT NULL,
    fired_at    BIGINT NOT NULL,
    PRIMARY KEY (case_id, clock, started_at, step)
);

-- Notifications to staff in the console (and by mail through the outbox).
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    case_id     BIGINT REFERENCES cases(id),
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, created_at);

INSERT INTO calendars (name, weekly_hours, public_holidays, builtin, updated_at) VALUES
 ('24x7', '[[{"start":0,"end":1440}],[{"start":0,"end":1440}],[{"start":0,"end":1440}],[{"start":0,"end":1440}],[{"start":0,"end":1440}],[{"start":0,"end":1440}],[{"start":0,"end":1440}]]', 0, 1, 0),
 ('office', '[[{"start":450,"end":690},{"start":780,"end":1020}],[{"start":450,"end":690},{"start":780,"end":1020}],[{"start":450,"end":690},{"start":780,"end":1020}],[{"start":450,"end":690},{"start":780,"end":1020}],[{"start":450,"end":690},{"start":780,"end":1020}],[],[]]', 1, 1, 0);

-- The targets every case had before policies (Priority::default_targets_minutes), on 24x7.
INSERT INTO sla_policies (name, position, conditions, calendar, first_response_minutes, next_response_minutes, resolution_minutes, pause_while_waiting, ladder, created_at, updated_at) VALUES
 ('Khẩn', 10, '{"priorities":["urgent"]}', '24x7', 30, 30, 480, 1, '[{"clock":"first_response","percent":75,"action":"notify_assignee"},{"clock":"first_response","percent":100,"action":"notify_supervisors"},{"clock":"resolution","percent":100,"action":"notify_supervisors"}]', 0, 0),
 ('Cao', 20, '{"priorities":["high"]}', '24x7', 120, 120, 1440, 1, '[{"clock":"first_response","percent":75,"action":"notify_assignee"},{"clock":"first_response","percent":100,"action":"notify_supervisors"},{"clock":"resolution","percent":100,"action":"notify_supervisors"}]', 0, 0),
 ('Bình thường', 30, '{"priorities":["normal"]}', '24x7', 480, 480, 4320, 1, '[{"clock":"first_response","percent":75,"action":"notify_assignee"},{"clock":"resolution","percent":100,"action":"notify_supervisors"}]', 0, 0),
 ('Thấp', 40, '{"priorities":["low"]}', '24x7', 1440, 1440, 10080, 1, '[{"clock":"resolution","percent":100,"action":"notify_supervisors"}]', 0, 0);

-- Law on Denunciation 2018: accept within 7 working days of receipt (Art. 24); settle within
-- 30 days of acceptance, extendable once or twice by 30 days (Art. 30).
INSERT INTO legal_rules (kind, clock, calendar, amount, extension, max_extensions, updated_at) VALUES
 ('denunciation', 'legal_acceptance', 'office', '{"working_days":7}', NULL, 0, 0),
 ('denunciation', 'legal_settlement', '24x7', '{"days":30}', '{"days":30}', 2, 0);
