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
    size_bytes  bigint,                 -- of the file at that path when it was last read
    mtime_ns    bigint,                 -- its modification time: an unchanged file is not read again
    primary key (document_id, path)
);
alter table document_sources add column if not exists size_bytes bigint;
alter table document_sources add column if not exists mtime_ns bigint;

-- The entries the last ingest found in the inbox (printable paths, problems included): the blocking check
-- no_file_lost compares them with what that ingest stored (a file arriving later is pending, not lost).
create table if not exists inbox_scan (
    path       varchar,
    scanned_at timestamptz
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
    decoded_at    timestamptz,
    page_starts   integer[]             -- offset in text where each page begins (paged documents)
);
alter table document_text add column if not exists page_starts integer[];

create table if not exists document_blocks (
    document_id varchar,
    seq         integer,                -- order in the document
    kind        varchar,                -- paragraph | table
    page        integer,
    text        varchar,
    grid        varchar[][]             -- table cells row by row; merged cells repeated where they span
);

-- The extracted layer: one row per report (report_id = the document's sha256), its cells long.
create table if not exists reports (
    report_id         varchar primary key,
    doc_type          varchar,          -- annual_report | self_inspection | work_summary | notice | not_a_report
    agency            varchar,
    admin_level       varchar,          -- central | provincial | prefectural | county | township
    region            varchar,
    region_code       varchar,
    year              integer,
    template          varchar,          -- v2019 | v2021 (from the table labels, never the year)
    publication_date  date,
    source_format     varchar,          -- layout family the tables were read from
    status            varchar,          -- extracted | partial (an error issue) | no_tables
    n_cells           integer,
    n_issues          integer,
    extractor_version varchar,
    extracted_at      timestamptz,
    metadata          json
);

create table if not exists report_cells (
    report_id varchar,
    table_key varchar,
    row_key   varchar,
    col_key   varchar,
    value     double,                   -- NULL for EMPTY / NA / TEXT cells: never a silent 0
    value_raw varchar,
    semantic  varchar,                  -- NUMERIC | ZERO | EMPTY | NA | TEXT
    unit      varchar,
    source_start integer,               -- provenance: offsets into document_text.text of the characters
    source_end   integer,               -- the cell's row was read from (NULL for JSON records)
    source_page  integer,               -- the page those characters (or that grid) are on (1 = first; paged
                                        -- documents)
    -- a row read from a table grid (PDF, DOCX, HTML tables) has no offsets but the grid's place: the table's
    -- number among the document's tables and the grid rows its values are on (from 1, both inclusive)
    source_table        integer,
    source_grid_row     integer,
    source_grid_row_end integer
);
-- warehouses made before provenance was stored
alter table report_cells add column if not exists source_start integer;
alter table report_cells add column if not exists source_end integer;
alter table report_cells add column if not exists source_page integer;
alter table report_cells add column if not exists source_table integer;
alter table report_cells add column if not exists source_grid_row integer;
alter table report_cells add column if not exists source_grid_row_end integer;

create table if not exists extraction_issues (
    report_id varchar,
    code      varchar,
    severity  varchar,                  -- error | warning | info
    message   varchar,
    location  varchar
);

create table if not exists narrative_claims (
    report_id varchar,
    claim     varchar,
    value     double,
    unit      varchar,
    qualifier varchar,
    text      varchar,
    "offset"  integer
);

-- The checks layer: every rule of spec §3 on every report, with a verdict per report.
create table if not exists check_results (
    report_id  varchar,
    rule_id    varchar,
    severity   varchar,                 -- hard | soft
    status     varchar,                 -- PASS | FAIL | NOT_ASSESSABLE
    scope      varchar,                 -- the column, row, claim or section the instance is about
    expected   double,
    observed   double,
    difference double,
    message    varchar
);

create table if not exists suspect_cells (
    report_id       varchar,
    table_key       varchar,
    row_key         varchar,
    col_key         varchar,
    reported        double,             -- as printed; never overwritten
    suggested       double,             -- the value that would make the failing identities hold
    rules_explained varchar[],
    is_unique       boolean             -- the only cell that explains them
);

create table if not exists report_quality (
    report_id      varchar primary key,
    status         varchar,             -- accepted | quarantined
    hard_failures  integer,
    soft_warnings  integer,
    not_assessable integer,
    reason         varchar,
    notes          varchar[],
    checked_at     timestamptz
);

-- Documents as versions of logical reports (agency × year × scope; pipelines/quality/versions.py), rebuilt by
-- every checks run. The marts count each logical report once: its current version's primary document.
create table if not exists report_versions (
    report_id     varchar primary key,
    logical_key   varchar,              -- year|region code|agency without 人民政府…|level|scope, or report:<id>
    status        varchar,              -- current | superseded | conflict | withdrawn
    primary_id    varchar,              -- the document standing for these cells (others: more sources of them)
    superseded_by varchar,              -- the primary of the version that replaced it
    rivals        varchar[],            -- in conflict: the primaries of the other versions (rule VR-01)
    sources       integer,              -- documents with the same cells in this logical report
    changed_at    timestamptz           -- when its status or rivals last changed (the checks re-check it)
);

-- Withdrawn by the operator (nianbao withdraw PATH, after removing the file): no longer a version of its
-- report, unless one of its files is seen again after the withdrawal.
create table if not exists document_withdrawals (
    document_id  varchar,
    path         varchar,
    withdrawn_at timestamptz,
    reason       varchar,
    primary key (document_id, path)
);

-- Renames and mergers after 机构改革: an old agency key read as the new one by the cross-year rules.
create table if not exists agency_aliases (
    alias_key     varchar primary key,
    canonical_key varchar not null
);

-- The lake files already copied into the tables above (pipelines/storage/load.py): each is loaded once.
create table if not exists lake_loaded (
    path       varchar primary key,
    table_name varchar,
    loaded_at  timestamptz
);

-- What the checks layer's results were computed with (pipelines/quality/store.py rules_fingerprint).
create table if not exists check_state (
    key   varchar primary key,
    value varchar
);
