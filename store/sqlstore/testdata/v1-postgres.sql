--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: fixture_v1; Type: SCHEMA; Schema: -; Owner: -
--



SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE audit (
    id bigint NOT NULL,
    "time" timestamp with time zone NOT NULL,
    actor text DEFAULT ''::text NOT NULL,
    action text DEFAULT ''::text NOT NULL,
    target text DEFAULT ''::text NOT NULL,
    detail text DEFAULT ''::text NOT NULL
);


--
-- Name: audit_id_seq; Type: SEQUENCE; Schema: -; Owner: -
--

ALTER TABLE audit ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME audit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: auth_codes; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE auth_codes (
    id text NOT NULL,
    client_id text DEFAULT ''::text NOT NULL,
    user_id text DEFAULT ''::text NOT NULL,
    redirect_uri text DEFAULT ''::text NOT NULL,
    scope text DEFAULT ''::text NOT NULL,
    code_challenge text DEFAULT ''::text NOT NULL,
    family_id text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone NOT NULL
);


--
-- Name: clients; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE clients (
    id text NOT NULL,
    name text NOT NULL,
    purpose text NOT NULL,
    grant_type text NOT NULL,
    access text[] DEFAULT '{}'::text[] NOT NULL,
    secret_hash bytea,
    token_lifetime bigint DEFAULT 0 NOT NULL,
    refresh_token_lifetime bigint DEFAULT 0 NOT NULL,
    redirect_uris text[] DEFAULT '{}'::text[] NOT NULL,
    user_id text DEFAULT ''::text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    request_id text,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: identity_providers; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE identity_providers (
    id text NOT NULL,
    name text NOT NULL,
    provider_name text NOT NULL,
    entity_id text,
    certificates bytea[] DEFAULT '{}'::bytea[] NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: refresh_tokens; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE refresh_tokens (
    id text NOT NULL,
    family_id text DEFAULT ''::text NOT NULL,
    client_id text DEFAULT ''::text NOT NULL,
    user_id text DEFAULT ''::text NOT NULL,
    scope text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone NOT NULL
);


--
-- Name: revocations; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE revocations (
    token_id text NOT NULL,
    client_id text DEFAULT ''::text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: roles; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE roles (
    "position" integer NOT NULL,
    value text NOT NULL,
    display text NOT NULL,
    scopes text[] DEFAULT '{}'::text[] NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE schema_migrations (
    version integer NOT NULL,
    applied_at timestamp with time zone NOT NULL
);


--
-- Name: secrets; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE secrets (
    name text NOT NULL,
    value bytea
);


--
-- Name: signing_keys; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE signing_keys (
    id text NOT NULL,
    algorithm text NOT NULL,
    private_key bytea,
    created_at timestamp with time zone NOT NULL,
    sign_at timestamp with time zone NOT NULL,
    retire_at timestamp with time zone NOT NULL,
    expire_at timestamp with time zone NOT NULL
);


--
-- Name: used_assertions; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE used_assertions (
    issuer text NOT NULL,
    id text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: users; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE users (
    id text NOT NULL,
    user_name text NOT NULL,
    given_name text DEFAULT ''::text NOT NULL,
    family_name text DEFAULT ''::text NOT NULL,
    display_name text DEFAULT ''::text NOT NULL,
    emails jsonb DEFAULT '[]'::jsonb NOT NULL,
    emails_lower text[] DEFAULT '{}'::text[] NOT NULL,
    active boolean DEFAULT false NOT NULL,
    preferred_language text DEFAULT ''::text NOT NULL,
    roles text[] DEFAULT '{}'::text[] NOT NULL,
    password_hash bytea,
    external_id text DEFAULT ''::text NOT NULL,
    idp_user_id text DEFAULT ''::text NOT NULL,
    client_id text DEFAULT ''::text NOT NULL,
    version bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Data for Name: audit; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO audit OVERRIDING SYSTEM VALUE VALUES (1, '2026-11-30 12:00:00.123456+00', 'system', 'user.created', 'ADMIN', 'bootstrap administrator');
INSERT INTO audit OVERRIDING SYSTEM VALUE VALUES (2, '2026-11-30 12:00:00.123456+00', 'ADMIN', 'client.created', 'sb-2a0decc0-bffe-4918-90c1-9bc80725ad8d', 'name="Entra provisioning" purpose=api_access grant=client_credentials');
INSERT INTO audit OVERRIDING SYSTEM VALUE VALUES (3, '2026-11-30 12:00:00.123456+00', 'ADMIN', 'client.created', 'sb-198becbb-8968-4628-98d0-80c3fd2e702d', 'name="SAML app" purpose=api_access grant=saml2_bearer');
INSERT INTO audit OVERRIDING SYSTEM VALUE VALUES (4, '2026-11-30 12:00:00.123456+00', 'ADMIN', 'client.created', 'sb-80529645-e4a8-4151-9fb9-46e3e7d3ec22', 'name="Web app" purpose=interactive_usage grant=authorization_code');
INSERT INTO audit OVERRIDING SYSTEM VALUE VALUES (5, '2026-11-30 12:00:00.123456+00', 'ADMIN', 'client.created', 'sb-f7ac2440-53a0-4c88-adbd-d3765f7853b1', 'name="Nightly ETL" purpose=technical_user grant=client_credentials user_id=ETL_USER expires=2027-02-28');
INSERT INTO audit OVERRIDING SYSTEM VALUE VALUES (6, '2026-11-30 12:00:00.123456+00', 'ADMIN', 'user.signed_in', 'ADMIN', 'remote=127.0.0.1');


--
-- Data for Name: auth_codes; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO auth_codes VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'sb-80529645-e4a8-4151-9fb9-46e3e7d3ec22', '5b9a2c1e-0000-4000-8000-000000000001', 'https://app.example.com/cb', 'user_provisioning', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'fam-1', '2026-11-30 12:00:00.123456+00', '2026-11-30 12:05:00.123456+00', '0001-01-01 00:00:00+00');
INSERT INTO auth_codes VALUES ('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'sb-80529645-e4a8-4151-9fb9-46e3e7d3ec22', '5b9a2c1e-0000-4000-8000-000000000001', 'http://localhost:8080/', '', '', 'fam-2', '2026-11-30 12:00:00.123456+00', '2026-11-30 12:05:00.123456+00', '2026-11-30 12:00:01.123456+00');


--
-- Data for Name: clients; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO clients VALUES ('sb-2a0decc0-bffe-4918-90c1-9bc80725ad8d', 'Entra provisioning', 'api_access', 'client_credentials', '{user_provisioning,content_network}', '\x292edc500bc1fc712d5419f762228288a4158a96a06bef3101227bd72797c763', 3600000000000, 0, '{}', '', '0001-01-01 00:00:00+00', 'req-1', '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO clients VALUES ('sb-198becbb-8968-4628-98d0-80c3fd2e702d', 'SAML app', 'api_access', 'saml2_bearer', '{content_network}', '\xcea98b2ab74b7dfe99bc6eeeaad3ec78720c077d33996acb5efec34e364dee4b', 900000000000, 0, '{}', '', '0001-01-01 00:00:00+00', NULL, '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO clients VALUES ('sb-80529645-e4a8-4151-9fb9-46e3e7d3ec22', 'Web app', 'interactive_usage', 'authorization_code', '{}', '\xde362a4ede6e9abed278de57090b0497b47c437e6e7f23b237d9ea5ba3b27900', 3600000000000, 259200000000000, '{https://app.example.com/**,http://localhost:8080/}', '', '0001-01-01 00:00:00+00', NULL, '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO clients VALUES ('sb-f7ac2440-53a0-4c88-adbd-d3765f7853b1', 'Nightly ETL', 'technical_user', 'client_credentials', '{}', '\x56e38651966915ed55354baa0f70bc8e3f1ba9f71094f21be3c84d2edfd8649c', 86400000000000, 0, '{}', '72600430-5da0-41dd-b934-443c223ad000', '2027-03-01 00:00:00+00', NULL, '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');


--
-- Data for Name: identity_providers; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO identity_providers VALUES ('idp-1', 'Corporate IdP', 'corp', 'https://idp.example.com/metadata', '{"\\x308201083081afa003020102020107300a06082a8648ce3d040302300e310c300a060355040313036f6e65301e170d3236303130313030303030305a170d3336303130313030303030305a300e310c300a060355040313036f6e653059301306072a8648ce3d020106082a8648ce3d0301070342000434ae5e8a4320735c97bfe98d324a4f142d4c16719e9d9eea2592c15a8e9f9b90b63ee02f089b743384481e9d78a9cb53588511ffd3100a387cebcd68a28a09e5300a06082a8648ce3d04030203480030450220433123e9ce4a90efd8493592775d53a1f53b72569bada085be51c3e398f5ae9f022100dae58b7fb8f6f3ca5ee5002e67cc13ac6ab2f137df74d42086f35c13a76cd008","\\x308201073081afa003020102020107300a06082a8648ce3d040302300e310c300a0603550403130374776f301e170d3236303130313030303030305a170d3336303130313030303030305a300e310c300a0603550403130374776f3059301306072a8648ce3d020106082a8648ce3d03010703420004db4aab377f3638a13dcf79890898f1adda5f7d1b47af444fc7305f1843c5467ce3395faa7b5c3771e3ea073e4282b0dc433cb4cb658856b963e121fd8ef1418d300a06082a8648ce3d0403020347003044022014936abf1cfe69e3bb2e6f7ee4ce13b7176bfd882c45fe60baf8b84d16d0a65e02207c55fc97136979b2cde6081b36d9354862f4c227dbf29e956a3ce083eec1d103"}', '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO identity_providers VALUES ('idp-2', 'Other', 'other.idp', NULL, '{"\\x3082010c3081b3a003020102020107300a06082a8648ce3d0403023010310e300c060355040313057468726565301e170d3236303130313030303030305a170d3336303130313030303030305a3010310e300c0603550403130574687265653059301306072a8648ce3d020106082a8648ce3d030107034200047d2844d1f7476e3b92177b70b61226a1f8d7458267213a4276a9c4ea63973ff7a653b78557c27c43c24b0d768c3bf59566a0e561448c369db16b2572e7909f2d300a06082a8648ce3d0403020348003045022100ca66ab5df8d083089c2a6bdf3e7dd5bdc852ebcdd6f4dc33dc22ab9106e3619c022025305733be2d6d0c63bbcae108dc603220b936e3ad235d6e8c932dd5be5646f2"}', '2026-11-30 12:01:00.123456+00', '2026-11-30 12:01:00.123456+00');


--
-- Data for Name: refresh_tokens; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO refresh_tokens VALUES ('cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'fam-1', 'sb-80529645-e4a8-4151-9fb9-46e3e7d3ec22', '5b9a2c1e-0000-4000-8000-000000000001', 'user_provisioning content_network', '2026-11-30 12:00:00.123456+00', '2026-12-03 12:00:00.123456+00', '0001-01-01 00:00:00+00');


--
-- Data for Name: revocations; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO revocations VALUES ('jti-1', 'sb-80529645-e4a8-4151-9fb9-46e3e7d3ec22', '2026-11-30 13:00:00.123456+00');
INSERT INTO revocations VALUES ('fam-9', 'sb-80529645-e4a8-4151-9fb9-46e3e7d3ec22', '2026-11-30 13:00:00.123456+00');


--
-- Data for Name: roles; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO roles VALUES (1, 'PROFILE:sap.dwc:DW_Administrator', 'DW Administrator', '{user_provisioning,content_network}');
INSERT INTO roles VALUES (2, 'PROFILE:sap.dwc:DW_Space_Administrator', 'DW Space Administrator', '{content_network}');
INSERT INTO roles VALUES (3, 'PROFILE:sap.dwc:DW_Integrator', 'DW Integrator', '{content_network}');
INSERT INTO roles VALUES (4, 'PROFILE:sap.dwc:DW_Modeler', 'DW Modeler', '{}');
INSERT INTO roles VALUES (5, 'PROFILE:sap.dwc:DW_Viewer', 'DW Viewer', '{}');
INSERT INTO roles VALUES (6, 'PROFILE:sap.dwc:DW_Consumer', 'DW Consumer', '{}');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO schema_migrations VALUES (1, '2026-12-02 03:07:38.981573+00');


--
-- Data for Name: secrets; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO secrets VALUES ('session-keys', '\x1be67e7134ec09864b1758ce0b05fc19ca98c1343d8901cbb32a03428fc7a26d64ad4ddf3a8618f7e5822df1bc06e91b47c0f26c1dcb43c71929e40ad443d55a');


--
-- Data for Name: signing_keys; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO signing_keys VALUES ('d1852b69-2a07-4f22-a347-dcadc2b4663d', 'RS256', '\x308204bd020100300d06092a864886f70d0101010500048204a7308204a302010002820101009f33a7c251f32667cddabdfcc0653f3b0e401e026dbc5e3a076c1fed7fc1276b95a007b3ba526b3c7593740bd33002e38f0612e3eba01ac8bbff9fb24b3a0cd42816d9768e21b17c19c070eea237af028ddf6f598499b7f5e0b2e4b9a25eb3ecaf994f31fbcfe4f2665fe212929f1a0fd5a373d9066c17b834a454ac501bde5a06deff2374cafcf81c895b6e846553f35c5a9c28358c9c7d6bd6b374114ac38227c92d10c31b1602362d00899ec4981e577a2724ef860020bdb621ed22d8717cee740ae9bf8293a7526fd721c0cb310e16f276f092bcf3cacdd2aa288454daea7341ca8b83fed77a3e30bdceda1d357b2b3de1e81bbd4f84a767d12e764400a9020301000102820100192b38756f314abc147e6594e4f1dcca405980a50fa63d1b5d7b099d299a66da0a60af770998e81d39d562fe4f98028ce95aa377e7137bc88a78424e14b88bb8aad1d9f57548fc5f4b4ef24bb7d7a7d2768d81741c9394d2c9805ecabe51cc8e39c0ba1583e2fd26196b45397c76accf1e0e664d4447a88455c63920b8d57f146ab147a9e2a078d7f596244bac74e1b41559476dc8bce53929d3d8a0a0de78fce7f983d90a42d98d151ac7672d59bd5016c18479ff38692b1319afd9fd2060ed252b10ff854b67c92e680dd62085b728e3755d4c3db8235db94e6dd0e1732c432ed643646d98cd7dd953ff0934cd7ef5a75b8dc3fe99abf38928539f3f563f1102818100c4e276908ac67c9a9f2605aa7eba3e3eb7b2f03a12d9c893b98ffbb284ac0891b103d7180393d3ca3250c4fb21b50e13e73c0be8f3b17ccfe5dc5f9ad5c5717d00834c66a95ea11a7b9342a9fe63de9f959f680f39f22cd62de71e965d5e6fa14f9729a816b2a36dd08f039304253b8554101aca57a1280512aa9b28ffb70c5d02818100cf00b34a3d9896fcb2a1a07cc530f9447dfa59a6a058caeaee37bbc5907f282a08dbec6168a205a93c5ef99ca6fe078fd5e0620f3eb46858ea82d65e2303163305f9e1ce2abfae24d04ee5e6aa37e3f2749e4681ff833877bbcfcb884980ca8d157f6ee30e7cba4bc268aae8e518eb0870177cf432b61f04b48ab04335a160bd0281804acc46830f55ed0cc91da6d56923d475fb502dd7c2459ee0108554f833533046395bde21af6a3ff1f73f9c36544df6b5350a28f42d70e69c0d15b5f49af651f14d7a94520452811e108897b101866b9371428844109da2cf13cd545f87c552df93df37e2360d53ed6a688ad115a8177ec5bb009292cc14ea28774c4f3d270bb902818100a1d91155a5ad6db82c4eb4f579145e810fe2b33fd5b5370ad2b0deee8c98ef255681e5630ff54669d8db055d572fdd67b7b8d5d2c79b34cef8a4cdc912a4f23178a5b4c886a2121d94856bb99b3351d59b1ab954211c4f0546e22467edd87606335dccac59026a829b814cc80580231c18d034919628d13dd38f705b4c4e5e1d0281804512093792e31b6beb7ed20462b6e36805b10b311b1966647daa37f40f47483ef1bfdf8a19af85176777bb44c8f30fae7bf2165005f5000f2b6d968cbe57a5e500c15bda5839046ab801e255352c58a3a0447a656cc6c98a223290cfa3d6a39ee040e19665b0050bd7120eb46f0e714e0b513821ae60f71c7299b4bd1aae73eb', '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00', '0001-01-01 00:00:00+00', '0001-01-01 00:00:00+00');


--
-- Data for Name: used_assertions; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO used_assertions VALUES ('corp', '_assertion-1', '2026-11-30 13:00:00.123456+00');


--
-- Data for Name: users; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO users VALUES ('9d0721b3-2be7-4664-8a3a-2ac2f0a87aea', 'ADMIN', 'App Integration', 'Administrator', 'Administrator', '[]', '{}', true, 'en', '{PROFILE:sap.dwc:DW_Administrator}', '\x243261243130244533484b414243652f5564583374335864686961344f6c4e2f534843494b326e494744393535424e34577557584e6e5a304f705a6d', '', '', '', 1, '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO users VALUES ('72600430-5da0-41dd-b934-443c223ad000', 'ETL_USER', '', '', 'Nightly ETL', '[]', '{}', true, '', '{PROFILE:sap.dwc:DW_Integrator,PROFILE:sap.dwc:DW_Modeler}', NULL, '', '', 'sb-f7ac2440-53a0-4c88-adbd-d3765f7853b1', 1, '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO users VALUES ('5b9a2c1e-0000-4000-8000-000000000002', 'bob', '', 'Bauer', '', '[{"value": "bob@example.com"}]', '{bob@example.com}', false, '', '{PROFILE:sap.dwc:DW_Consumer}', NULL, '', '', '', 1, '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO users VALUES ('5b9a2c1e-0000-4000-8000-000000000003', 'CAROL', '', '', 'Carol', '[]', '{}', true, '', '{}', NULL, '', '', '', 1, '2026-11-30 12:00:00.123456+00', '2026-11-30 12:00:00.123456+00');
INSERT INTO users VALUES ('5b9a2c1e-0000-4000-8000-000000000001', 'ALICE', 'Alice', 'Doe', 'Alice Doe', '[{"type": "work", "value": "Alice.Doe@Example.com", "primary": true}, {"type": "home", "value": "alice@home.example"}]', '{alice.doe@example.com,alice@home.example}', true, 'en', '{PROFILE:sap.dwc:DW_Viewer,PROFILE:sap.dwc:DW_Administrator}', '\x24326124313024496a757131346d4e3946796b71452e76497a674a662e4c326667653763396f467377485a49622f773146682f574f75493370725447', 'ext-alice', 'alice@idp.example.com', '', 2, '2026-11-30 11:00:00.123456+00', '2026-11-30 12:00:00.123456+00');


--
-- Name: audit_id_seq; Type: SEQUENCE SET; Schema: -; Owner: -
--

SELECT pg_catalog.setval('audit_id_seq', 6, true);


--
-- Name: audit audit_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (id);


--
-- Name: auth_codes auth_codes_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY auth_codes
    ADD CONSTRAINT auth_codes_pkey PRIMARY KEY (id);


--
-- Name: clients clients_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY clients
    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);


--
-- Name: clients clients_request_id_key; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY clients
    ADD CONSTRAINT clients_request_id_key UNIQUE (request_id);


--
-- Name: identity_providers identity_providers_entity_id_key; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY identity_providers
    ADD CONSTRAINT identity_providers_entity_id_key UNIQUE (entity_id);


--
-- Name: identity_providers identity_providers_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY identity_providers
    ADD CONSTRAINT identity_providers_pkey PRIMARY KEY (id);


--
-- Name: refresh_tokens refresh_tokens_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY refresh_tokens
    ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id);


--
-- Name: revocations revocations_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY revocations
    ADD CONSTRAINT revocations_pkey PRIMARY KEY (token_id);


--
-- Name: roles roles_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY roles
    ADD CONSTRAINT roles_pkey PRIMARY KEY ("position");


--
-- Name: roles roles_value_key; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY roles
    ADD CONSTRAINT roles_value_key UNIQUE (value);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: secrets secrets_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY secrets
    ADD CONSTRAINT secrets_pkey PRIMARY KEY (name);


--
-- Name: signing_keys signing_keys_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY signing_keys
    ADD CONSTRAINT signing_keys_pkey PRIMARY KEY (id);


--
-- Name: used_assertions used_assertions_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY used_assertions
    ADD CONSTRAINT used_assertions_pkey PRIMARY KEY (issuer, id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: audit_action; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX audit_action ON audit USING btree (action, id);


--
-- Name: auth_codes_expires_at; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX auth_codes_expires_at ON auth_codes USING btree (expires_at);


--
-- Name: identity_providers_name; Type: INDEX; Schema: -; Owner: -
--

CREATE UNIQUE INDEX identity_providers_name ON identity_providers USING btree (lower(name));


--
-- Name: identity_providers_provider_name; Type: INDEX; Schema: -; Owner: -
--

CREATE UNIQUE INDEX identity_providers_provider_name ON identity_providers USING btree (lower(provider_name));


--
-- Name: refresh_tokens_expires_at; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX refresh_tokens_expires_at ON refresh_tokens USING btree (expires_at);


--
-- Name: refresh_tokens_family_id; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX refresh_tokens_family_id ON refresh_tokens USING btree (family_id);


--
-- Name: revocations_expires_at; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX revocations_expires_at ON revocations USING btree (expires_at);


--
-- Name: used_assertions_expires_at; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX used_assertions_expires_at ON used_assertions USING btree (expires_at);


--
-- Name: users_emails_lower; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX users_emails_lower ON users USING gin (emails_lower);


--
-- Name: users_idp_user_id; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX users_idp_user_id ON users USING btree (idp_user_id) WHERE (idp_user_id <> ''::text);


--
-- Name: users_roles; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX users_roles ON users USING gin (roles);


--
-- Name: users_user_name; Type: INDEX; Schema: -; Owner: -
--

CREATE UNIQUE INDEX users_user_name ON users USING btree (lower(user_name));


--
-- PostgreSQL database dump complete
--


