-- A job that cannot succeed until something exists (a mail with no mailbox to send it from) is
-- parked instead of retried: `waiting_for` names the condition (jobs::WaitFor), and the claim
-- takes the job again as soon as the condition holds. NULL: an ordinary job.
ALTER TABLE jobs ADD COLUMN waiting_for TEXT;
