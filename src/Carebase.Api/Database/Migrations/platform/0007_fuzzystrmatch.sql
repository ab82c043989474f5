-- Edit distance (levenshtein_less_equal) and phonetic codes (dmetaphone) for typo-tolerant name search.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;

-- The searchable words of a name, each part (first, middle, last) on its own: every word as written
-- ("al-sayed", "o'brien"), without its punctuation ("alsayed", "obrien"), its pieces ("al", "sayed",
-- "o", "brien"), two neighbouring words joined ("vander", "derberg") and the whole part joined
-- ("vanderberg"). So a name is found however its punctuation and spaces are typed. Joins stay inside
-- one part: first and last name joined would add a dictionary word per patient.
-- The punctuation list is explicit (not [:alnum:]) so letters of every script survive whatever the locale.
CREATE FUNCTION public.search_name_words(first_name text, middle_name text, last_name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(array_agg(DISTINCT t) FILTER (WHERE t <> ''), '{}')
    FROM unnest(ARRAY[first_name, middle_name, last_name]) AS f(part)
    CROSS JOIN LATERAL (SELECT public.search_text(f.part) AS s) n
    CROSS JOIN LATERAL (SELECT string_to_array(n.s, ' ') AS words) w
    CROSS JOIN LATERAL unnest(
        w.words
        || ARRAY(SELECT regexp_replace(x, '[-''`.‘’ʼ]', '', 'g') FROM unnest(w.words) x)
        || regexp_split_to_array(n.s, '[-''`.‘’ʼ ]+')
        || ARRAY(SELECT regexp_replace(w.words[i] || w.words[i + 1], '[-''`.‘’ʼ]', '', 'g')
                 FROM generate_series(1, cardinality(w.words) - 1) i)
        || regexp_replace(n.s, '[-''`.‘’ʼ ]', '', 'g')) AS t
    WHERE f.part IS NOT NULL AND n.s <> ''
    $$;

-- The same words in one string, for substring matching through a trigram index (array_to_string is only
-- STABLE because of arbitrary element types; for text[] it depends on the input alone).
CREATE FUNCTION public.search_name_terms(first_name text, middle_name text, last_name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string(public.search_name_words(first_name, middle_name, last_name), ' ') $$;
