-- GET /uploads/{file} serves a file only when a customer row references it
-- (src/api/uploads.c): without an index that check read the whole table on
-- every avatar an <img> loads. Partial: most customers have no upload.
CREATE INDEX ix_customer_avatar_file ON customers (avatar_file)
    WHERE avatar_file IS NOT NULL;
