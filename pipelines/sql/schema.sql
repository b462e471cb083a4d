-- The warehouse tables of the raw and text layers. Idempotent: run at the start of every writer.
create table if not exists documents (
    id            varchar primary key,  -- sha256 of the bytes (of the path, for an entry that could not be read)
    original_path varchar,              -- where it was first found; every path it was seen at is in document_sources
    original_name varchar,
    size_bytes    bigint,
    format        varchar,              -- pdf | html | docx | text | markdown | json_record | unknown (from the bytes)
    encoding      varchar,              -- for text formats: utf-8, utf-8-sig, utf-16-le/be, gb18030, big5
    first_seen    timestamptz,
    last_seen     timestamptz,
    status        varchar,              -- accepted | rejected
    reason        varchar,              -- why it was rejected: "code: message"
    store_path    varchar               -- its bytes in the content-addressed store
);

create table if not exists document_sources (
    document_id varchar,
    path        varchar,
    first_seen  timestamptz,
    last_seen   timestamptz,
    primary key (document_id, path)
);

create table if not exists document_text (
    document_id   varchar primary key,
    decoder       varchar,
    pages         integer,
    n_blocks      integer,
    n_tables      integer,
    flags         varchar[],            -- traditional_script, pinyin_ruby, …
    text          varchar,              -- normalised: NFKC, Traditional → Simplified, ruby stripped
    original_text varchar,              -- as decoded
    decoded_at    timestamptz
);

create table if not exists document_blocks (
    document_id varchar,
    seq         integer,                -- order in the document
    kind        varchar,                -- paragraph | table
    page        integer,
    text        varchar,
    grid        varchar[][]             -- table cells row by row; merged cells repeated where they span
);
