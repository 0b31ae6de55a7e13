-- A few rows to start with. Written before the app's replication slot exists, so they are
-- not events; every change after start-up is.

INSERT INTO users (email, name) VALUES
    ('ada@example.com', 'Ada Lovelace'),
    ('grace@example.com', 'Grace Hopper');

-- a user that opted out of events: cache eviction ignores it (unwatchedRecords)
INSERT INTO users (email, name, event_subscribe) VALUES
    ('bot@example.com', 'Migration Bot', false);

INSERT INTO todos (user_id, title, done)
SELECT id, title, done
FROM users, (VALUES ('Read the WalEx README', true),
                    ('Try pgcdc on a real database', false),
                    ('Watch a change arrive from psql', false)) AS t(title, done)
WHERE email = 'ada@example.com';
