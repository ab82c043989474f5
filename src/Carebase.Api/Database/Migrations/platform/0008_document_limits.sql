-- Per-hospital limits of uploaded medical documents (PATCH /tenant documentMaxBytes, documentTypes). The types are the
-- ones the service recognises from a file's first bytes; anything else (executables, scripts, markup, archives) is
-- never stored, whatever a hospital allows.
ALTER TABLE platform.tenants
    ADD COLUMN document_max_bytes integer NOT NULL DEFAULT 20971520
        CONSTRAINT tenants_document_max_bytes_check CHECK (document_max_bytes BETWEEN 1024 AND 104857600),
    ADD COLUMN document_types text[] NOT NULL
        DEFAULT ARRAY['application/pdf','image/png','image/jpeg','image/gif','image/webp','image/tiff','application/dicom','text/plain']
        CONSTRAINT tenants_document_types_check CHECK (document_types <@ ARRAY['application/pdf','image/png','image/jpeg','image/gif',
            'image/webp','image/tiff','application/dicom','text/plain']::text[]);
