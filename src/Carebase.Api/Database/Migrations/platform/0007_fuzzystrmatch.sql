-- Edit distance (levenshtein_less_equal) and phonetic codes (dmetaphone) for typo-tolerant name search.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;

-- The searchable words of a name, each part (first, middle, last) on its own: every word as written
-- ("al-sayed", "o'brien"), without its punctuation ("alsayed", "obrien"), its pieces ("al", "sayed",
-- "o", "brien"), two neighbouring words joined ("vander", "derberg") and the whole part joined
-- ("vanderberg"). So a name is found however its punctuation and spaces are typed. Joins stay inside
-- one part: first and last name joined would add a dictionary word per patient.
-- The punctuation list is explicit (not [:alnum:]) so letters of every script survive whatever the locale.
-- PL/pgSQL rather than SQL: it runs for every row written (two generated columns), and a loop over a few
-- words costs a tenth of a set-returning SQL query.
CREATE FUNCTION public.search_name_words(first_name text, middle_name text, last_name text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    part text;
    s text;
    words text[];
    result text[] := '{}';
    n int;
BEGIN
    FOREACH part IN ARRAY ARRAY[first_name, middle_name, last_name] LOOP
        CONTINUE WHEN part IS NULL;
        s := public.search_text(part);
        CONTINUE WHEN s = '';
        words := string_to_array(s, ' ');
        result := result || words;
        CONTINUE WHEN s !~ '[-''`.‘’ʼ ]';
        n := cardinality(words);
        FOR i IN 1 .. n LOOP
            IF words[i] ~ '[-''`.‘’ʼ]' THEN
                result := result || translate(words[i], '-''`.‘’ʼ', '') || regexp_split_to_array(words[i], '[-''`.‘’ʼ]+');
            END IF;
            IF i < n THEN
                result := result || translate(words[i] || words[i + 1], '-''`.‘’ʼ', '');
            END IF;
        END LOOP;
        IF n > 2 THEN
            result := result || translate(s, '-''`.‘’ʼ ', '');
        END IF;
    END LOOP;
    RETURN array_remove(result, '');
END $$;

-- The same words in one string, for substring matching through a trigram index (array_to_string is only
-- STABLE because of arbitrary element types; for text[] it depends on the input alone).
CREATE FUNCTION public.search_name_terms(first_name text, middle_name text, last_name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string(public.search_name_words(first_name, middle_name, last_name), ' ') $$;
