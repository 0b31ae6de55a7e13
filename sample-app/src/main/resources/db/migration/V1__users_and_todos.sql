-- The domain of the WalEx README: users and their todos.

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text        NOT NULL UNIQUE,
    name            text        NOT NULL,
    -- false: handlers with unwatchedRecords = "event_subscribe = false" ignore this user
    event_subscribe boolean     NOT NULL DEFAULT true,
    -- kept by a trigger; a change of it alone is not news for the cache
    todos_count     integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE todos (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      text        NOT NULL,
    done       boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX todos_user_id ON todos (user_id);

-- updated_at follows every update, as in most applications (and as WalEx's example assumes)
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER todos_touch_updated_at BEFORE UPDATE ON todos
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- users.todos_count follows inserts and deletes of todos, in the same transaction
CREATE FUNCTION count_todos() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET todos_count = todos_count + 1 WHERE id = NEW.user_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE users SET todos_count = todos_count - 1 WHERE id = OLD.user_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER todos_count AFTER INSERT OR DELETE ON todos
    FOR EACH ROW EXECUTE FUNCTION count_todos();
