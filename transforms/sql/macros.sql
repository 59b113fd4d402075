-- Shared scalar macros, created before any model runs.

-- 'h:mm:ss.sss', 'm:ss.sss' or 'ss.sss' -> milliseconds; NULL when the text is not a duration.
create or replace macro duration_ms(txt) as (
    case
        when txt is null then null
        when regexp_full_match(txt, '\d+:\d{1,2}:\d{1,2}(\.\d+)?') then cast(round(
            cast(split_part(txt, ':', 1) as bigint) * 3600000
            + cast(split_part(txt, ':', 2) as bigint) * 60000
            + cast(split_part(txt, ':', 3) as double) * 1000) as bigint)
        when regexp_full_match(txt, '\d+:\d{1,2}(\.\d+)?') then cast(round(
            cast(split_part(txt, ':', 1) as bigint) * 60000
            + cast(split_part(txt, ':', 2) as double) * 1000) as bigint)
        when regexp_full_match(txt, '\d+(\.\d+)?') then cast(round(cast(txt as double) * 1000) as bigint)
    end
);

-- milliseconds -> 'm:ss.sss' (Ergast's lap-time format; 'h:mm:ss.sss' from one hour).
create or replace macro format_lap_time(ms) as (
    case
        when ms is null then null
        when ms >= 3600000 then printf('%d:%02d:%02d.%03d',
            ms // 3600000, (ms % 3600000) // 60000, (ms % 60000) // 1000, ms % 1000)
        else printf('%d:%02d.%03d', ms // 60000, (ms % 60000) // 1000, ms % 1000)
    end
);

-- 'Forename Surname', or NULL when both are missing (concat_ws alone would give '').
create or replace macro full_name(forename, surname) as (
    nullif(concat_ws(' ', forename, surname), '')
);
