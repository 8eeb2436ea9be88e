CREATE TABLE alembic_version (
    version_num character varying(32) NOT NULL
);
CREATE TABLE auth (
    id character varying(255) NOT NULL,
    email character varying(255) NOT NULL,
    password text NOT NULL,
    active boolean NOT NULL
);
CREATE TABLE channel (
    id text NOT NULL,
    user_id text,
    name text,
    description text,
    data json,
    meta json,
    access_control json,
    created_at bigint,
    updated_at bigint,
    type text
);
CREATE TABLE channel_member (
    id text NOT NULL,
    channel_id text NOT NULL,
    user_id text NOT NULL,
    created_at bigint
);
CREATE TABLE chat (
    id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    title text NOT NULL,
    share_id character varying(255),
    archived boolean NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    chat json,
    pinned boolean,
    meta json DEFAULT '{}'::json NOT NULL,
    folder_id text
);
CREATE TABLE chatidtag (
    id character varying(255) NOT NULL,
    tag_name character varying(255) NOT NULL,
    chat_id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    "timestamp" bigint NOT NULL
);
CREATE TABLE config (
    id integer NOT NULL,
    data json NOT NULL,
    version integer NOT NULL,
    created_at timestamp without time zone DEFAULT now() NOT NULL,
    updated_at timestamp without time zone DEFAULT now()
);
CREATE SEQUENCE config_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE config_id_seq OWNED BY config.id;
CREATE TABLE document (
    id integer NOT NULL,
    collection_name character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    title text NOT NULL,
    filename text NOT NULL,
    content text,
    user_id character varying(255) NOT NULL,
    "timestamp" bigint NOT NULL
);
CREATE SEQUENCE document_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE document_id_seq OWNED BY document.id;
CREATE TABLE feedback (
    id text NOT NULL,
    user_id text,
    version bigint,
    type text,
    data json,
    meta json,
    snapshot json,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE TABLE file (
    id text NOT NULL,
    user_id text NOT NULL,
    filename text NOT NULL,
    meta json,
    created_at bigint NOT NULL,
    hash text,
    data json,
    updated_at bigint,
    path text,
    access_control json
);
CREATE TABLE folder (
    id text NOT NULL,
    parent_id text,
    user_id text NOT NULL,
    name text NOT NULL,
    items json,
    meta json,
    is_expanded boolean NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    data json
);
CREATE TABLE function (
    id text NOT NULL,
    user_id text NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    content text NOT NULL,
    meta text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    valves text,
    is_active boolean NOT NULL,
    is_global boolean NOT NULL
);
CREATE TABLE "group" (
    id text NOT NULL,
    user_id text,
    name text,
    description text,
    data json,
    meta json,
    permissions json,
    user_ids json,
    created_at bigint,
    updated_at bigint
);
CREATE TABLE knowledge (
    id text NOT NULL,
    user_id text NOT NULL,
    name text NOT NULL,
    description text,
    data json,
    meta json,
    created_at bigint NOT NULL,
    updated_at bigint,
    access_control json
);
CREATE TABLE memory (
    id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    content text NOT NULL,
    updated_at bigint NOT NULL,
    created_at bigint NOT NULL
);
CREATE TABLE message (
    id text NOT NULL,
    user_id text,
    channel_id text,
    content text,
    data json,
    meta json,
    created_at bigint,
    updated_at bigint,
    parent_id text,
    reply_to_id text
);
CREATE TABLE message_reaction (
    id text NOT NULL,
    user_id text NOT NULL,
    message_id text NOT NULL,
    name text NOT NULL,
    created_at bigint
);
CREATE TABLE migratehistory (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    migrated_at timestamp without time zone NOT NULL
);
CREATE SEQUENCE migratehistory_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE migratehistory_id_seq OWNED BY migratehistory.id;
CREATE TABLE model (
    id text NOT NULL,
    user_id text NOT NULL,
    base_model_id text,
    name text NOT NULL,
    meta text NOT NULL,
    params text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    access_control json,
    is_active boolean DEFAULT true NOT NULL
);
CREATE TABLE note (
    id text NOT NULL,
    user_id text,
    title text,
    data json,
    meta json,
    access_control json,
    created_at bigint,
    updated_at bigint
);
CREATE TABLE oauth_session (
    id text NOT NULL,
    user_id text NOT NULL,
    provider text NOT NULL,
    token text NOT NULL,
    expires_at bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE TABLE prompt (
    id integer NOT NULL,
    command character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    title text NOT NULL,
    content text NOT NULL,
    "timestamp" bigint NOT NULL,
    access_control json
);
CREATE SEQUENCE prompt_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE prompt_id_seq OWNED BY prompt.id;
CREATE TABLE tag (
    id character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    meta json
);
CREATE TABLE tool (
    id text NOT NULL,
    user_id text NOT NULL,
    name text NOT NULL,
    content text NOT NULL,
    specs text NOT NULL,
    meta text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    valves text,
    access_control json
);
CREATE TABLE "user" (
    id character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    email character varying(255) NOT NULL,
    role character varying(255) NOT NULL,
    profile_image_url text NOT NULL,
    api_key character varying(255),
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    last_active_at bigint NOT NULL,
    settings text,
    info text,
    oauth_sub text,
    username character varying(50),
    bio text,
    gender text,
    date_of_birth date
);
ALTER TABLE ONLY config ALTER COLUMN id SET DEFAULT nextval('config_id_seq'::regclass);
ALTER TABLE ONLY document ALTER COLUMN id SET DEFAULT nextval('document_id_seq'::regclass);
ALTER TABLE ONLY migratehistory ALTER COLUMN id SET DEFAULT nextval('migratehistory_id_seq'::regclass);
ALTER TABLE ONLY prompt ALTER COLUMN id SET DEFAULT nextval('prompt_id_seq'::regclass);
ALTER TABLE ONLY alembic_version ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY channel_member ADD CONSTRAINT channel_member_pkey PRIMARY KEY (id);
ALTER TABLE ONLY channel ADD CONSTRAINT channel_pkey PRIMARY KEY (id);
ALTER TABLE ONLY config ADD CONSTRAINT config_pkey PRIMARY KEY (id);
ALTER TABLE ONLY document ADD CONSTRAINT document_pkey PRIMARY KEY (id);
ALTER TABLE ONLY feedback ADD CONSTRAINT feedback_pkey PRIMARY KEY (id);
ALTER TABLE ONLY folder ADD CONSTRAINT folder_pkey PRIMARY KEY (id, user_id);
ALTER TABLE ONLY "group" ADD CONSTRAINT group_pkey PRIMARY KEY (id);
ALTER TABLE ONLY knowledge ADD CONSTRAINT knowledge_pkey PRIMARY KEY (id);
ALTER TABLE ONLY message ADD CONSTRAINT message_pkey PRIMARY KEY (id);
ALTER TABLE ONLY message_reaction ADD CONSTRAINT message_reaction_pkey PRIMARY KEY (id);
ALTER TABLE ONLY migratehistory ADD CONSTRAINT migratehistory_pkey PRIMARY KEY (id);
ALTER TABLE ONLY note ADD CONSTRAINT note_pkey PRIMARY KEY (id);
ALTER TABLE ONLY oauth_session ADD CONSTRAINT oauth_session_pkey PRIMARY KEY (id);
ALTER TABLE ONLY tag ADD CONSTRAINT pk_id_user_id PRIMARY KEY (id, user_id);
ALTER TABLE ONLY prompt ADD CONSTRAINT prompt_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX auth_id ON auth (id);
CREATE UNIQUE INDEX chat_id ON chat (id);
CREATE UNIQUE INDEX chat_share_id ON chat (share_id);
CREATE UNIQUE INDEX chatidtag_id ON chatidtag (id);
CREATE UNIQUE INDEX document_collection_name ON document (collection_name);
CREATE UNIQUE INDEX document_name ON document (name);
CREATE UNIQUE INDEX file_id ON file (id);
CREATE INDEX folder_id_idx ON chat (folder_id);
CREATE INDEX folder_id_user_id_idx ON chat (folder_id, user_id);
CREATE UNIQUE INDEX function_id ON function (id);
CREATE INDEX idx_oauth_session_expires_at ON oauth_session (expires_at);
CREATE INDEX idx_oauth_session_user_id ON oauth_session (user_id);
CREATE INDEX idx_oauth_session_user_provider ON oauth_session (user_id, provider);
CREATE INDEX is_global_idx ON function (is_global);
CREATE UNIQUE INDEX memory_id ON memory (id);
CREATE UNIQUE INDEX model_id ON model (id);
CREATE UNIQUE INDEX prompt_command ON prompt (command);
CREATE UNIQUE INDEX tool_id ON tool (id);
CREATE INDEX updated_at_user_id_idx ON chat (updated_at, user_id);
CREATE UNIQUE INDEX user_api_key ON "user" (api_key);
CREATE UNIQUE INDEX user_id ON "user" (id);
CREATE INDEX user_id_archived_idx ON chat (user_id, archived);
CREATE INDEX user_id_idx ON tag (user_id);
CREATE INDEX user_id_pinned_idx ON chat (user_id, pinned);
CREATE UNIQUE INDEX user_oauth_sub ON "user" (oauth_sub);
ALTER TABLE ONLY oauth_session ADD CONSTRAINT oauth_session_user_id_fkey FOREIGN KEY (user_id) REFERENCES "user"(id) ON DELETE CASCADE;
