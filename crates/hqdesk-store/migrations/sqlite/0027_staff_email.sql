-- A staff member's e-mail address, for notifications (an escalation step that fired). Optional:
-- without one, the console's notifications page is the only place they appear.
ALTER TABLE users ADD COLUMN email TEXT;
