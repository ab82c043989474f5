-- btree_gin lets one GIN index combine a trigram name match with plain equality filters (sex).
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;

-- unaccent() is STABLE (it reads a dictionary), so it cannot appear in an index or a generated
-- column. Pinning the dictionary makes the result depend on the input only.
CREATE FUNCTION public.immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- The normalised form of a name for search: unaccented, lower case, single spaces.
CREATE FUNCTION public.search_text(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT btrim(regexp_replace(lower(public.immutable_unaccent($1)), '\s+', ' ', 'g')) $$;
