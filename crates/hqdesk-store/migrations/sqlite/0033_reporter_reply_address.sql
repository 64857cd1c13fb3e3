-- Answering a sealed report's reporter by e-mail (issue 18; design note 006 §12). Keep in step
-- with ../postgres/0033_reporter_reply_address.sql.
--
-- The reporter's address is sealed to the case's identity key, which no investigator and no
-- job holds; the job that sends an investigator's reply needs it. reply_to is the same address
-- sealed for the installation (`sealed:v1:`): the sending job opens it, a copy of the database
-- does not, and nobody reads it on a page.
ALTER TABLE confidential_reporters ADD COLUMN reply_to TEXT;
