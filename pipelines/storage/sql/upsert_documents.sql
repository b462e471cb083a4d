-- New documents are inserted; a document seen again only has its last_seen refreshed, so a rejection
-- made by a later layer (the decoder) is never undone by re-ingestion.
insert into documents
select id, original_path, original_name, size_bytes, format, encoding,
       seen as first_seen, seen as last_seen, status, reason, store_path
from incoming_documents
qualify row_number() over (partition by id order by original_path) = 1
on conflict (id) do update set last_seen = excluded.last_seen;

insert into document_sources
select id as document_id, original_path as path, seen as first_seen, seen as last_seen, size_bytes, mtime_ns
from incoming_documents
qualify row_number() over (partition by id, original_path) = 1
on conflict (document_id, path) do update set last_seen = excluded.last_seen, size_bytes = excluded.size_bytes,
                                              mtime_ns = excluded.mtime_ns;
