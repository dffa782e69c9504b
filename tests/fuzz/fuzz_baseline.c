/* SPDX-License-Identifier: MIT */
/* fuzz_baseline.c - the baseline scanner against jansson: a text the scanner indexes must be
 * one jansson reads (strict JSON, no key twice) with the same entries, and every entry's
 * contract text must be judged as json_equal judges jansson's tree of it (same, or "not sure",
 * never the wrong answer). */
#include "config.h"

#include <string.h>

#include "fuzz_common.h"
#include "mcp_contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct mcp_baseline baseline = {.path = "fuzz"};
  json_t *doc;
  int list;
  size_t i;

  if (mcp_baseline_index_text(&baseline, (const char *)data, size) != 0)
    return 0;
  doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  fuzz_expect(doc != NULL, "the scanner indexed a text jansson refuses", NULL);
  for (list = 0; list < MCP_LISTS; list++) {
    json_t *entries = json_object_get(doc, mcp_list_member[list]);
    const struct mcp_baseline_list *index = &baseline.lists[list];

    fuzz_expect(index->present == (entries != NULL), "a list present in one reader only",
                mcp_list_member[list]);
    fuzz_expect(index->n == json_object_size(entries), "a different number of entries",
                mcp_list_member[list]);
    for (i = 0; i < index->n; i++) {
      struct mcp_baseline_entry *entry = &index->entries[i];
      json_t *contract = json_object_get(json_object_get(entries, entry->key), "contract");
      json_t *item;
      int same;

      fuzz_expect(json_is_object(contract), "an entry jansson has no contract object for",
                  entry->key);
      fuzz_expect(i == 0 || strcmp(index->entries[i - 1].key, entry->key) < 0,
                  "entries out of order", entry->key);
      /* The contract compared with itself as an item must not be "different". */
      same = mcp_contract_same_text((enum mcp_list)list, contract, entry->span, entry->span_len);
      item = json_deep_copy(contract);
      if (item && json_object_size(item) > 0) {
        const char *key;
        json_t *value;
        bool contract_only = true;

        json_object_foreach(item, key, value)
        {
          size_t m;
          bool known = false;

          for (m = 0; mcp_contract_members[list][m]; m++)
            known = known || strcmp(mcp_contract_members[list][m], key) == 0;
          contract_only = contract_only && known;
        }
        fuzz_expect(!contract_only || same != 0, "a contract judged different from itself",
                    entry->key);
        /* one member changed: never judged the same */
        json_object_set_new(item, "name", json_string("\x01changed"));
        fuzz_expect(
            mcp_contract_same_text((enum mcp_list)list, item, entry->span, entry->span_len) != 1,
            "a changed contract judged the same", entry->key);
      }
      json_decref(item);
      fuzz_expect(json_equal(mcp_baseline_entry_contract(entry), contract),
                  "the lazily parsed contract differs from jansson's", entry->key);
    }
  }
  json_decref(doc);
  mcp_baseline_free(&baseline);
  return 0;
}
