-- A search that forgives what people type: hyphens, apostrophes and spaces inside names, letter swaps
-- and phonetic spellings. search_words now holds every form of each name word (public.search_name_words:
-- as written, without punctuation, its pieces, neighbours joined) and search_terms is those words in one
-- string, matched by substring (so "oliv" still finds Olivia) through a trigram index that also carries
-- the sex filter. Replacing a generated column means dropping it; its index goes with it.
ALTER TABLE patients DROP COLUMN search_words;
ALTER TABLE patients
    ADD COLUMN search_words text[] GENERATED ALWAYS AS (public.search_name_words(first_name, middle_name, last_name)) STORED,
    ADD COLUMN search_terms text GENERATED ALWAYS AS (public.search_name_terms(first_name, middle_name, last_name)) STORED;
CREATE INDEX patients_search_words_idx ON patients USING gin (search_words) WHERE deleted_at IS NULL;
CREATE INDEX patients_search_terms_trgm ON patients USING gin (search_terms gin_trgm_ops, gender) WHERE deleted_at IS NULL;
-- Search no longer reads search_name through an index (duplicate detection compares it row by row).
DROP INDEX patients_search_name_trgm;

-- A patient code found by its trailing digits ("000120" for P-2026-000120): a prefix of the reversed code.
CREATE INDEX patients_code_reversed_idx ON patients (reverse(patient_code) text_pattern_ops) WHERE deleted_at IS NULL;

-- The dictionary learns each word's phonetic codes (Catherine and Kathryn are both K0RN), so a misspelt
-- word finds its candidates by trigram, by sound, or by first letter and length, and edit distance is
-- checked against those few dictionary words only, never against the patients.
ALTER TABLE patient_name_words
    ADD COLUMN sound text GENERATED ALWAYS AS (public.dmetaphone(word)) STORED,
    ADD COLUMN sound_alt text GENERATED ALWAYS AS (public.dmetaphone_alt(word)) STORED;
CREATE INDEX patient_name_words_sound ON patient_name_words (sound);
CREATE INDEX patient_name_words_sound_alt ON patient_name_words (sound_alt);
CREATE INDEX patient_name_words_initial_length ON patient_name_words (left(word, 1), length(word));

-- Backfill: the new forms of every existing name (the trigger adds those of new and renamed patients).
INSERT INTO patient_name_words (word)
SELECT DISTINCT w FROM patients, unnest(search_words) w WHERE w <> ''
ON CONFLICT DO NOTHING;
